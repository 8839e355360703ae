package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// maxKeyLen bounds a trial key (a directory name); longer keys end in a hash.
const maxKeyLen = 160

// axisRank orders the axes in trial keys: the common axes first in this
// order, then the others alphabetically, then seed last.
func axisRank(name string) int {
	switch name {
	case "model":
		return 0
	case "precision":
		return 1
	case "method":
		return 2
	case "seed":
		return 4
	}
	return 3
}

// sortAxes puts axis names in key order.
func sortAxes(names []string) {
	sort.Slice(names, func(i, j int) bool {
		ri, rj := axisRank(names[i]), axisRank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
}

// Key is the trial key of a sweep point: "name=value" pairs in axis order,
// joined by '_', with characters unsafe in file names replaced by '-'.
// A trial of an experiment without a sweep has the key "default".
func Key(axes []Axis) string {
	if len(axes) == 0 {
		return "default"
	}
	parts := make([]string, len(axes))
	for i, a := range axes {
		parts[i] = sanitize(a.Name) + "=" + sanitize(FormatValue(a.Value))
	}
	k := strings.Join(parts, "_")
	if len(k) > maxKeyLen {
		sum := sha256.Sum256([]byte(k))
		k = k[:maxKeyLen-13] + "-" + hex.EncodeToString(sum[:6])
	}
	return k
}

// FormatValue writes a sweep value as it appears in a trial key.
func FormatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// SafeName replaces the characters of s that are unsafe in a file name
// (anything but letters, digits and . _ + - =) by '-', as trial keys do.
func SafeName(s string) string {
	parts := strings.Split(s, "=")
	for i, p := range parts {
		parts[i] = sanitize(p)
	}
	return strings.Join(parts, "=")
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == '_'
		if !ok {
			b[i] = '-'
		}
	}
	if len(b) == 0 || b[0] == '.' {
		b = append([]byte("x"), b...)
	}
	return string(b)
}
