package suite

import "fmt"

// Profile sets the sizes of everything the suite generates. All defaults
// live here.
type Profile struct {
	Name string `json:"name"`
	// Multiple choice, per family: functions held out for evaluation (one
	// task each, at most a quarter of the class), functions kept for
	// training, few-shot docs (train split) and test docs per task.
	HeldoutFuncs int `json:"heldout_functions"`
	TrainFuncs   int `json:"train_functions"`
	ShotDocs     int `json:"shot_docs"`
	TestDocs     int `json:"test_docs"`
	// Pretraining corpus: documents, demonstrations per document, and the
	// length of the packed token rows (byte tokenizer).
	CorpusTrain      int `json:"corpus_train"`
	CorpusValidation int `json:"corpus_validation"`
	MinDemos         int `json:"min_demos"`
	MaxDemos         int `json:"max_demos"`
	SeqLen           int `json:"seq_len"`
	// Instruction mixture rows.
	InstructTrain      int `json:"instruct_train"`
	InstructValidation int `json:"instruct_validation"`
	// MQAR examples and configuration.
	MQAR        MQARConfig `json:"mqar"`
	MQARTrain   int        `json:"mqar_train"`
	MQARTest    int        `json:"mqar_test"`
	RegDims     int        `json:"regression_dims"`
	RegPoints   int        `json:"regression_points"`
	RegTrain    int        `json:"regression_train"`
	RegTest     int        `json:"regression_test"`
	OracleShots []int      `json:"oracle_shots"` // k values whose oracle accuracy the manifest records
}

var profiles = map[string]Profile{
	"quick": {Name: "quick", HeldoutFuncs: 6, TrainFuncs: 200, ShotDocs: 8, TestDocs: 8,
		CorpusTrain: 2000, CorpusValidation: 200, MinDemos: 2, MaxDemos: 12, SeqLen: 256,
		InstructTrain: 1000, InstructValidation: 100,
		MQAR: MQARConfig{Vocab: 256, SeqLen: 64, NumKV: 4, PowerA: 0.01, RandomNon: true}, MQARTrain: 2000, MQARTest: 300,
		RegDims: 5, RegPoints: 11, RegTrain: 2000, RegTest: 200, OracleShots: []int{0, 1, 3, 5}},
	"default": {Name: "default", HeldoutFuncs: 12, TrainFuncs: 400, ShotDocs: 16, TestDocs: 16,
		CorpusTrain: 50000, CorpusValidation: 1000, MinDemos: 2, MaxDemos: 12, SeqLen: 256,
		InstructTrain: 10000, InstructValidation: 500,
		MQAR: MQARConfig{Vocab: 256, SeqLen: 128, NumKV: 8, PowerA: 0.01, RandomNon: true}, MQARTrain: 20000, MQARTest: 1000,
		RegDims: 5, RegPoints: 11, RegTrain: 20000, RegTest: 1000, OracleShots: []int{0, 1, 3, 5}},
	"full": {Name: "full", HeldoutFuncs: 24, TrainFuncs: 1000, ShotDocs: 32, TestDocs: 32,
		CorpusTrain: 500000, CorpusValidation: 5000, MinDemos: 2, MaxDemos: 12, SeqLen: 256,
		InstructTrain: 50000, InstructValidation: 2000,
		MQAR: MQARConfig{Vocab: 256, SeqLen: 128, NumKV: 16, PowerA: 0.01, RandomNon: true}, MQARTrain: 100000, MQARTest: 3000,
		RegDims: 20, RegPoints: 41, RegTrain: 100000, RegTest: 2000, OracleShots: []int{0, 1, 3, 5}},
}

// ProfileNamed returns the quick, default or full profile.
func ProfileNamed(name string) (Profile, error) {
	p, ok := profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("unknown profile %q (want quick, default or full)", name)
	}
	return p, nil
}
