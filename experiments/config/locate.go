package config

import "strings"

// locate returns the 1-based line where key is written in a TOML source,
// or 0 if it cannot tell. It understands [table] headers, dotted keys and
// one-line inline tables, and skips multi-line arrays and strings. A key
// that is only implied (a table made by a dotted key below it) is located
// at its first descendant.
func locate(src []byte, key []string) int {
	var table []string
	fallback := 0
	depth, inString := 0, ""
	for i, line := range strings.Split(string(src), "\n") {
		n := i + 1
		if inString != "" {
			if strings.Contains(line, inString) {
				inString = ""
			}
			continue
		}
		if depth > 0 {
			depth += brackets(line)
			continue
		}
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		if t[0] == '[' {
			inner := strings.TrimSpace(strings.Trim(cutComment(t), "[] \t"))
			table = splitKey(inner)
			if equal(table, key) {
				return n
			}
			if fallback == 0 && hasPrefix(table, key) {
				fallback = n
			}
			continue
		}
		k, rest, ok := cutKey(t)
		if !ok {
			continue
		}
		full := append(append([]string{}, table...), splitKey(k)...)
		if equal(full, key) {
			return n
		}
		if hasPrefix(full, key) && fallback == 0 {
			fallback = n
		}
		if hasPrefix(key, full) && strings.HasPrefix(rest, "{") && inlineHas(rest, key[len(full):]) {
			return n
		}
		for _, q := range []string{`"""`, `'''`} {
			if strings.Count(rest, q)%2 == 1 {
				inString = q
			}
		}
		depth = brackets(rest)
	}
	return fallback
}

// inlineHas reports whether the inline table text "{ a = 1, b = { c = 2 } }"
// holds the dotted key path.
func inlineHas(text string, path []string) bool {
	body := strings.TrimSpace(text)
	if !strings.HasPrefix(body, "{") {
		return false
	}
	body = body[1:]
	for _, item := range splitTop(body) {
		k, rest, ok := cutKey(strings.TrimSpace(item))
		if !ok {
			continue
		}
		kp := splitKey(k)
		if equal(kp, path) || hasPrefix(kp, path) {
			return true
		}
		if hasPrefix(path, kp) && inlineHas(rest, path[len(kp):]) {
			return true
		}
	}
	return false
}

// splitTop splits s at commas that are outside strings, brackets and
// braces, stopping at the brace that closes the table.
func splitTop(s string) []string {
	var out []string
	depth, start, quote := 0, 0, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			if depth == 0 {
				return append(out, s[start:i])
			}
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// cutKey splits "key = value" at the first '=' outside quotes.
func cutKey(t string) (key, rest string, ok bool) {
	quote := byte(0)
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '=':
			return strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+1:]), true
		}
	}
	return "", "", false
}

// splitKey splits a dotted TOML key, unquoting its parts.
func splitKey(k string) []string {
	var parts []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		case c != ' ' && c != '\t':
			cur.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}

// brackets is the net count of opening brackets and braces outside strings
// and comments.
func brackets(s string) int {
	d, quote := 0, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return d
		case c == '[' || c == '{':
			d++
		case c == ']' || c == '}':
			d--
		}
	}
	return d
}

func cutComment(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i]
	}
	return s
}

func equal(a, b []string) bool {
	return len(a) == len(b) && hasPrefix(a, b)
}

// hasPrefix reports whether p is a prefix of a.
func hasPrefix(a, p []string) bool {
	if len(p) > len(a) {
		return false
	}
	for i := range p {
		if a[i] != p[i] {
			return false
		}
	}
	return true
}
