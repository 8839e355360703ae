// Package jsonnum provides Num, a float64 that survives JSON when it is not
// finite. JSON numbers have no NaN or infinities, but a harness that studies
// numerical instability must record them (a skipped fp16 step's gradient
// norm, a diverged run's loss, logits that overflowed in fp16), so they are
// written as the strings "NaN", "Infinity" and "-Infinity" (Python's
// spellings) and read back as the float64 values.
package jsonnum

import (
	"encoding/json"
	"math"
)

// Num is a float64 with JSON support for NaN and ±Inf.
type Num float64

// MarshalJSON implements json.Marshaler.
func (n Num) MarshalJSON() ([]byte, error) {
	switch v := float64(n); {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return json.Marshal(float64(n))
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Num) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*n = Num(math.NaN())
	case `"Infinity"`:
		*n = Num(math.Inf(1))
	case `"-Infinity"`:
		*n = Num(math.Inf(-1))
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*n = Num(v)
	}
	return nil
}
