// Package jsonnum provides Float, the one JSON convention for numbers that
// may not be finite in ssmlab's results and logs. JSON numbers have no NaN
// or infinities, but a harness that studies numerical instability must
// record them (a rate fitted to fewer than two points, the −∞ exponent of
// a shift register, a diverged run's loss, logits that overflowed in
// fp16). Float writes NaN as null and ±Inf as the strings "+Inf" and
// "-Inf"; finite values as strconv's shortest 'g' form. Reading also
// accepts the spellings of older files ("NaN", "Infinity", "-Infinity").
package jsonnum

import (
	"encoding/json"
	"math"
	"strconv"
)

// Float is a float64 with JSON support for NaN and ±Inf.
type Float float64

// NaN is Float(math.NaN()).
func NaN() Float { return Float(math.NaN()) }

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte("null"), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null", `"NaN"`:
		*f = NaN()
		return nil
	case `"+Inf"`, `"Infinity"`:
		*f = Float(math.Inf(1))
		return nil
	case `"-Inf"`, `"-Infinity"`:
		*f = Float(math.Inf(-1))
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Float(v)
	return nil
}
