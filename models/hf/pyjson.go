package hf

import "bytes"

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
