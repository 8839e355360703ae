package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Error is a problem in a config file, printed as "file:line: message"
// (the line is left out when unknown).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 && !strings.HasPrefix(e.File, setPrefix) {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// errAt makes an Error at the line of key in the file src was read from.
func errAt(file string, src []byte, key []string, format string, a ...any) *Error {
	return &Error{File: file, Line: locate(src, key), Msg: fmt.Sprintf(format, a...)}
}

var tomlErrRE = regexp.MustCompile(`^toml: (?:line (\d+) )?(?:\(last key "(.*?)"\): )?(.*)$`)
var badTypeRE = regexp.MustCompile(`^incompatible types: TOML value has type (.*); destination has type (.*)$`)

// tomlError turns an error of the toml package into an Error; it returns
// the key the decoder was at ("" if none) so callers can re-point it.
func tomlError(file string, src []byte, err error) (*Error, string) {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.LastKey != "" {
			msg = pe.LastKey + ": " + msg
		}
		return &Error{File: file, Line: pe.Position.Line, Msg: msg}, pe.LastKey
	}
	m := tomlErrRE.FindStringSubmatch(err.Error())
	if m == nil {
		return &Error{File: file, Msg: err.Error()}, ""
	}
	line, _ := strconv.Atoi(m[1])
	key, msg := m[2], m[3]
	if t := badTypeRE.FindStringSubmatch(msg); t != nil {
		msg = fmt.Sprintf("wrong type: must be %s, not %s", humanType(t[2]), humanType(t[1]))
	}
	if key != "" {
		if line == 0 && src != nil {
			line = locate(src, splitKey(key))
		}
		msg = key + ": " + msg
	}
	return &Error{File: file, Line: line, Msg: msg}, key
}

// humanType names a type of the toml package's messages (a TOML type or a
// Go kind or type) the way a TOML file spells it.
func humanType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	t = strings.TrimPrefix(t, "primitive (string-like)")
	switch {
	case t == "" || t == "string":
		return "a string (\"...\")"
	case strings.HasPrefix(t, "[]") || strings.HasPrefix(t, "slice") || strings.HasPrefix(t, "array"):
		return "an array ([...])"
	case strings.HasPrefix(t, "map") || strings.HasPrefix(t, "struct") || strings.HasPrefix(t, "table") || strings.HasPrefix(t, "inline"):
		return "a table ({...} or [section])"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "bool"):
		return "true or false"
	case strings.Contains(t, "time") || strings.Contains(t, "date"):
		return "a date"
	}
	return "a " + t
}

// section names the table that holds key, as a message fragment.
func section(key []string) string {
	if len(key) <= 1 {
		return "at top level"
	}
	return "in [" + strings.Join(key[:len(key)-1], ".") + "]"
}
