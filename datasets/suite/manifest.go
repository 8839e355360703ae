package suite

import (
	"fmt"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
)

// Manifest is manifest.json: what was generated, how, and what chance
// and oracle accuracies are.
type Manifest struct {
	Generator string              `json:"generator"`
	Version   int                 `json:"version"`
	Seed      uint64              `json:"seed"`
	Profile   Profile             `json:"profile"`
	Tokenizer map[string]int      `json:"tokenizer"`
	Format    map[string]string   `json:"format"`
	Families  []FamilyManifest    `json:"families"`
	MQAR      map[string]float64  `json:"mqar_chance"`
	Files     map[string]fileInfo `json:"files"`
}

// FamilyManifest documents one family in the manifest.
type FamilyManifest struct {
	Name             string             `json:"name"`
	Measures         string             `json:"measures"`
	Params           string             `json:"params"`
	Functions        int                `json:"functions"`
	TrainFunctions   int                `json:"train_functions"`
	HeldoutFunctions int                `json:"heldout_functions"`
	Tasks            int                `json:"tasks"`
	TestDocs         int                `json:"test_docs"`
	Choices          int                `json:"choices"`
	ChanceAcc        float64            `json:"chance_acc"`
	OracleAcc        map[string]float64 `json:"oracle_acc_by_shots"`
	Heldout          []string           `json:"heldout"`
}

func (s *Suite) manifest(files map[string]fileInfo) Manifest {
	m := Manifest{Generator: "ssmlab datasets/suite", Version: GeneratorVersion, Seed: s.Seed, Profile: s.Profile,
		Tokenizer: map[string]int{"vocab_size": tokenizer.ByteVocab, "bos": tokenizer.BOS, "eos": tokenizer.EOSByte, "pad": tokenizer.PAD},
		Format: map[string]string{"demonstration": "{input}" + Arrow + " {output}\n\n", "question": "{input}" + Arrow,
			"continuation": " {choice}", "target_delimiter": " ", "fewshot_delimiter": "\n\n", "instruction_template": "Compact"},
		MQAR: map[string]float64{
			"uniform_value":    1 / float64(s.Profile.MQAR.Vocab-s.Profile.MQAR.Vocab/2),
			"value_in_context": 1 / float64(s.Profile.MQAR.NumKV)},
		Files: files}
	for _, f := range s.Families {
		fm := FamilyManifest{Name: f.Name, Measures: f.Measures, Params: f.Params, Functions: f.Size,
			TrainFunctions: len(f.Train), HeldoutFunctions: len(f.Heldout), Tasks: len(f.Tasks),
			TestDocs: len(f.Tasks) * s.Profile.TestDocs, Choices: Choices, ChanceAcc: ChanceAcc, OracleAcc: map[string]float64{}}
		for k, v := range f.Oracle {
			fm.OracleAcc[fmt.Sprint(k)] = v
		}
		for _, fn := range f.Heldout {
			fm.Heldout = append(fm.Heldout, fn.ID)
		}
		m.Families = append(m.Families, fm)
	}
	return m
}
