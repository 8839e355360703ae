package suggest

import "testing"

func TestClosest(t *testing.T) {
	cands := []string{"forward", "lyapunov", "validate", "run", "reproduce", "figures"}
	cases := map[string]string{
		"forwrad":   "forward", // transposition
		"lyapunof":  "lyapunov",
		"valdate":   "validate",
		"rnu":       "run",
		"xyz":       "",
		"reproduse": "reproduce",
		"compile":   "",
	}
	for in, want := range cases {
		if got := Closest(in, cands); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
	if Hint("figuers", cands) != " (did you mean figures?)" || Hint("zzz", cands) != "" {
		t.Error("Hint")
	}
}
