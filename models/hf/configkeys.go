package hf

import (
	"fmt"
	"sort"
)

// required reports the first absent key (alphabetically) of keys.
func required(keys map[string]*int) error {
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

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

func setFloat(dst *float64, v *float64) {
	if v != nil {
		*dst = *v
	}
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}
