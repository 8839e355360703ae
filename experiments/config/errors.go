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
	if e.Line > 0 {
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
		msg = fmt.Sprintf("wrong type: want %s, got %s", article(t[2]), article(t[1]))
	}
	if key != "" {
		if line == 0 && src != nil {
			line = locate(src, splitKey(key))
		}
		msg = key + ": " + msg
	}
	return &Error{File: file, Line: line, Msg: msg}, key
}

func article(t string) string {
	t = strings.TrimPrefix(strings.ToLower(t), "primitive (string-like)")
	switch {
	case t == "":
		return "a string"
	case strings.HasPrefix(t, "array") || strings.HasPrefix(t, "integer"):
		return "an " + t
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
