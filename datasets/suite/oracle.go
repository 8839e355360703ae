package suite

import "github.com/ssmlab/ssmlab/datasets/lmeval"

// Oracle is the ideal in-context learner of a family: it knows the class
// of functions but not which one the task uses. Given the shots, it keeps
// the choices that some function of the class consistent with every shot
// maps the query to, and picks one of those uniformly (r decides). With no
// shots every choice is consistent, so it scores chance; the more the shots
// pin the function down, the closer it gets to 1.
func Oracle(fam *Family, shots []lmeval.Doc, doc lmeval.Doc, r *RNG) int {
	demos := make([]Demo, len(shots))
	for i, s := range shots {
		demos[i] = Demo{queryOf(s.Text), s.Target()}
	}
	q := queryOf(doc.Text)
	var ok []int
	for c, choice := range doc.Choices {
		if fam.consistent(demos, q, choice) {
			ok = append(ok, c)
		}
	}
	if len(ok) == 0 {
		return r.IntN(len(doc.Choices))
	}
	return ok[r.IntN(len(ok))]
}

func queryOf(text string) string { return text[:len(text)-len(Arrow)] }

// OracleAccuracy is the oracle's mean accuracy over the test docs of
// tasks at k shots, with the shots lm-eval's sampler draws.
func OracleAccuracy(fam *Family, tasks []*MCTask, k int, seed uint64) (float64, error) {
	r := NewRNG(seed, "oracle/"+fam.Name)
	var right, n int
	for _, t := range tasks {
		task := t.Task()
		shots, err := task.Shots(k)
		if err != nil {
			return 0, err
		}
		_, docs, _ := task.Eval()
		for i, d := range docs {
			if Oracle(fam, shots[i], d, r) == d.Gold {
				right++
			}
			n++
		}
	}
	return float64(right) / float64(max(n, 1)), nil
}
