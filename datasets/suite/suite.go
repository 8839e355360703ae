package suite

import (
	"fmt"

	"github.com/ssmlab/ssmlab/datasets/lmeval"
)

// GeneratorVersion changes whenever the same seed and profile would give
// different bytes; the manifest records it.
const GeneratorVersion = 1

// FamilySet is one family with its functions split and its tasks built.
type FamilySet struct {
	*Family
	Train, Heldout []Func
	Tasks          []*MCTask       // one per held-out function
	Oracle         map[int]float64 // oracle accuracy on the test docs, by number of shots
}

// Suite is everything the built-in suite holds, in memory.
type Suite struct {
	Seed                            uint64
	Profile                         Profile
	Families                        []*FamilySet
	PretrainTrain, PretrainVal      []CorpusDoc
	InstructTrain, InstructVal      []Instruction
	MQARTrain, MQARTest             MQARSet
	RegressionTrain, RegressionTest RegressionSet
}

// Generate builds the suite for seed and profile p. The same seed and
// profile always give the same suite; each part draws from its own RNG
// stream (see NewRNG).
func Generate(seed uint64, p Profile) (*Suite, error) {
	s := &Suite{Seed: seed, Profile: p}
	var fams []*Family
	var train [][]Func
	for _, f := range Families() {
		fs, err := buildFamily(f, seed, p)
		if err != nil {
			return nil, err
		}
		s.Families = append(s.Families, fs)
		fams, train = append(fams, f), append(train, fs.Train)
	}
	s.PretrainTrain = Corpus(fams, train, p.CorpusTrain, p.MinDemos, p.MaxDemos, NewRNG(seed, "pretrain/train"))
	s.PretrainVal = Corpus(fams, train, p.CorpusValidation, p.MinDemos, p.MaxDemos, NewRNG(seed, "pretrain/validation"))
	s.InstructTrain = Instructions(fams, train, p.InstructTrain, NewRNG(seed, "instruct/train"))
	s.InstructVal = Instructions(fams, train, p.InstructValidation, NewRNG(seed, "instruct/validation"))
	var err error
	if s.MQARTrain, err = MQAR(p.MQAR, p.MQARTrain, NewRNG(seed, "mqar/train")); err != nil {
		return nil, err
	}
	if s.MQARTest, err = MQAR(p.MQAR, p.MQARTest, NewRNG(seed, "mqar/test")); err != nil {
		return nil, err
	}
	s.RegressionTrain = Regression(p.RegDims, p.RegPoints, p.RegTrain, NewRNG(seed, "regression/train"))
	s.RegressionTest = Regression(p.RegDims, p.RegPoints, p.RegTest, NewRNG(seed, "regression/test"))
	return s, nil
}

func buildFamily(f *Family, seed uint64, p Profile) (*FamilySet, error) {
	tr, ho, err := f.Split(seed, p.TrainFuncs, p.HeldoutFuncs)
	if err != nil {
		return nil, err
	}
	fs := &FamilySet{Family: f, Train: tr, Heldout: ho, Oracle: map[int]float64{}}
	r := NewRNG(seed, "mc/"+f.Name)
	isTrain := map[string]bool{}
	for _, fn := range tr {
		isTrain[fn.ID] = true
	}
	for _, fn := range ho {
		t, err := buildTask(f, fn, ho, isTrain, p.ShotDocs, p.TestDocs, r)
		if err != nil {
			return nil, err
		}
		fs.Tasks = append(fs.Tasks, t)
	}
	for _, k := range p.OracleShots {
		if k > p.ShotDocs {
			return nil, fmt.Errorf("profile %s: oracle at %d shots with %d few-shot docs", p.Name, k, p.ShotDocs)
		}
		if fs.Oracle[k], err = OracleAccuracy(f, fs.Tasks, k, seed); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// Tasks lists every multiple-choice task of the suite as an lmeval.Task,
// family by family.
func (s *Suite) Tasks() []*lmeval.Task {
	var out []*lmeval.Task
	for _, f := range s.Families {
		for _, t := range f.Tasks {
			out = append(out, t.Task())
		}
	}
	return out
}

// ChanceAcc is the accuracy of a model that cannot tell the choices apart:
// 1/Choices, for acc and acc_norm alike (the choices of an item always
// have the same length, see SUITE.md).
const ChanceAcc = 1.0 / Choices
