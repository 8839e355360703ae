package jsonnum

import (
	"encoding/json"
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []Float{1.5, 0, 5e-06, Float(math.NaN()), Float(math.Inf(1)), Float(math.Inf(-1))}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `[1.5,0,5e-06,null,"+Inf","-Inf"]` {
		t.Fatalf("%s %v", b, err)
	}
	var out []Float
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out[0] != 1.5 || out[2] != 5e-06 || !math.IsNaN(float64(out[3])) || !math.IsInf(float64(out[4]), 1) || !math.IsInf(float64(out[5]), -1) {
		t.Fatalf("%v", out)
	}
	var x Float
	if err := json.Unmarshal([]byte(`"1.5"`), &x); err == nil {
		t.Fatal("a string that is not a non-finite spelling was accepted")
	}
}

// Files written before there was one convention spell NaN and ±Inf as
// Python does; they still read.
func TestOlderSpellings(t *testing.T) {
	var out []Float
	if err := json.Unmarshal([]byte(`["NaN","Infinity","-Infinity"]`), &out); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(float64(out[0])) || !math.IsInf(float64(out[1]), 1) || !math.IsInf(float64(out[2]), -1) {
		t.Fatalf("%v", out)
	}
}
