package report

import (
	"hash/fnv"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models"
	_ "github.com/ssmlab/ssmlab/models/all" // architecture labels and kinds
)

// Model families in a fixed order and colour (every figure and table of
// the paper experiments, Table 1 and Fig. 1-4, uses them), and which side
// of a Mamba-vs-Transformers claim a family is on.

// familyOrder is the order of model families in every figure and table;
// familyColors their palette index (plots.Palette), the same in every
// figure: Mamba blue, Mamba-2 green, GPT-NeoX vermillion, Llama purple.
var (
	familyOrder  = []string{"Mamba", "Mamba-2", "GPT-NeoX (Pythia)", "Llama"}
	familyColors = map[string]int{"Mamba": 0, "Mamba-2": 2, "GPT-NeoX (Pythia)": 1, "Llama": 3}
)

// familyOf is a model's family label: the summary's, else its arch's
// (the registry's label).
func familyOf(m summary.Model) string {
	switch {
	case m.Family != "":
		return m.Family
	case m.Arch != "":
		return archLabel(m.Arch)
	}
	return m.Name
}

func familyRank(f string) int {
	for i, g := range familyOrder {
		if g == f {
			return i
		}
	}
	return len(familyOrder)
}

// compareFamilies orders families as familyOrder, unknown ones after, by
// name.
func compareFamilies(a, b string) int {
	if ra, rb := familyRank(a), familyRank(b); ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

// sortFamilies puts families in familyOrder, unknown ones after, by name.
func sortFamilies(fs []string) {
	sort.SliceStable(fs, func(i, j int) bool { return compareFamilies(fs[i], fs[j]) < 0 })
}

// familyColor is a family's palette index; a family not in familyOrder
// gets orange, sky blue or black by a hash of its name, so it keeps its
// colour from figure to figure.
func familyColor(f string) int {
	if c, ok := familyColors[f]; ok {
		return c
	}
	h := fnv.New32a()
	h.Write([]byte(f))
	return []int{4, 5, 6}[h.Sum32()%3]
}

func isTransformer(arch string) bool { return models.IsKind(arch, models.Attention) }

// sides returns what a Mamba-vs-Transformers claim compares: the first
// family of arch mamba ("" if none) and every Transformer family.
func sides(families []string, arch map[string]string) (mamba string, transformers []string) {
	for _, f := range families {
		if arch[f] == "mamba" && mamba == "" {
			mamba = f
		}
		if isTransformer(arch[f]) {
			transformers = append(transformers, f)
		}
	}
	return mamba, transformers
}

// archLabel is an architecture's label in the models registry.
func archLabel(arch string) string { return models.Label(arch) }
