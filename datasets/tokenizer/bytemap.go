package tokenizer

// byteToRune is GPT-2's bytes_to_unicode: printable Latin-1 bytes map to
// themselves, the other 68 bytes to U+0100 and up, so that every byte
// string becomes a string of visible characters (a space becomes 'Ġ').
var byteToRune [256]rune

// runeToByte inverts byteToRune.
var runeToByte = map[rune]byte{}

func init() {
	n := 0
	for b := range 256 {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			byteToRune[b] = rune(b)
		} else {
			byteToRune[b] = rune(256 + n)
			n++
		}
		runeToByte[byteToRune[b]] = byte(b)
	}
}

// byteLevel maps the bytes of s to their characters.
func byteLevel(s string) []rune {
	out := make([]rune, len(s))
	for i := range len(s) {
		out[i] = byteToRune[s[i]]
	}
	return out
}
