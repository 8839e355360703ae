package hf

import (
	"fmt"
	"sort"
)

// Required reports the first absent key (alphabetically) of keys.
func Required(keys map[string]*int) error {
	var missing []string
	for k, v := range keys {
		if v == nil {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return fmt.Errorf("missing %q (a required size of this architecture)", missing[0])
}

// SetInt sets *dst to *v when the key was present (v non-nil).
func SetInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

// SetFloat sets *dst to *v when the key was present.
func SetFloat(dst *float64, v *float64) {
	if v != nil {
		*dst = *v
	}
}

// SetBool sets *dst to *v when the key was present.
func SetBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}
