package hf

import "testing"

func TestPythonJSON(t *testing.T) {
	in := `{"a": [NaN, -Infinity, Infinity], "s": "Infinity \" NaN"}`
	want := `{"a": [{"__float__": "NaN"}, {"__float__": "-Infinity"}, {"__float__": "Infinity"}], "s": "Infinity \" NaN"}`
	if got := string(pythonJSON([]byte(in))); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
