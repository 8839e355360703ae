package jsonnum

import (
	"encoding/json"
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []Num{1.5, 0, Num(math.NaN()), Num(math.Inf(1)), Num(math.Inf(-1))}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `[1.5,0,"NaN","Infinity","-Infinity"]` {
		t.Fatalf("%s %v", b, err)
	}
	var out []Num
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out[0] != 1.5 || !math.IsNaN(float64(out[2])) || !math.IsInf(float64(out[3]), 1) || !math.IsInf(float64(out[4]), -1) {
		t.Fatalf("%v", out)
	}
	var x Num
	if err := json.Unmarshal([]byte(`"1.5"`), &x); err == nil {
		t.Fatal("a string that is not NaN or Infinity was accepted")
	}
}
