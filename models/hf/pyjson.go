package hf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// pythonJSON rewrites the bare NaN, Infinity and -Infinity that Python's
// json.dumps writes (transformers 4.x config.json files, e.g. Mamba-2's
// "time_step_limit": [0.0, Infinity]) into transformers 5's spelling
// {"__float__": "Infinity"}, so encoding/json can read the file. Text inside
// strings is left alone.
func pythonJSON(raw []byte) []byte {
	var out bytes.Buffer
	inString, escaped := false, false
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		if inString {
			out.WriteByte(ch)
			switch {
			case escaped:
				escaped = false
			case ch == '\\':
				escaped = true
			case ch == '"':
				inString = false
			}
			continue
		}
		if ch == '"' {
			inString = true
			out.WriteByte(ch)
			continue
		}
		replaced := false
		for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
			if bytes.HasPrefix(raw[i:], []byte(tok)) {
				out.WriteString(`{"__float__": "` + tok + `"}`)
				i += len(tok) - 1
				replaced = true
				break
			}
		}
		if !replaced {
			out.WriteByte(ch)
		}
	}
	return out.Bytes()
}

// Float returns v as a JSON number that Python reads back as a float, with
// a decimal point or an exponent ("1.0", not "1"): transformers' config
// classes validate float fields strictly and refuse an integer there.
// Infinities and NaN use the {"__float__": ...} form transformers writes.
func Float(v float64) json.RawMessage { return pyNumber(v, 64) }

// Float32 is Float for a float32 setting, printed at float32 precision
// (1e-05, not 9.999999747378752e-06).
func Float32(v float32) json.RawMessage { return pyNumber(float64(v), 32) }

func pyNumber(v float64, bits int) json.RawMessage {
	switch {
	case math.IsInf(v, 1):
		return json.RawMessage(`{"__float__": "Infinity"}`)
	case math.IsInf(v, -1):
		return json.RawMessage(`{"__float__": "-Infinity"}`)
	case math.IsNaN(v):
		return json.RawMessage(`{"__float__": "NaN"}`)
	}
	s := strconv.FormatFloat(v, 'g', -1, bits)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return json.RawMessage(s)
}

// PyFloat is a float that may be written as a number, as "Infinity"/"inf"
// or as transformers 5's {"__float__": "Infinity"}.
type PyFloat float64

func (f *PyFloat) UnmarshalJSON(b []byte) error {
	var x float64
	if err := json.Unmarshal(b, &x); err == nil {
		*f = PyFloat(x)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var obj struct {
			F *string `json:"__float__"`
		}
		if json.Unmarshal(b, &obj) != nil || obj.F == nil {
			return fmt.Errorf("not a number: %s", b)
		}
		s = *obj.F
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "infinity", "inf", "+infinity", "+inf":
		*f = PyFloat(math.Inf(1))
	case "-infinity", "-inf":
		*f = PyFloat(math.Inf(-1))
	case "nan":
		*f = PyFloat(math.NaN())
	default:
		return fmt.Errorf("not a number: %s", b)
	}
	return nil
}

func (f PyFloat) MarshalJSON() ([]byte, error) { return Float(float64(f)), nil }
