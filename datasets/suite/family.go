package suite

import (
	"fmt"
	"sync"
)

// Func is one function of a family's class: what the model must infer from
// the demonstrations of a document or a prompt.
type Func struct {
	Family      string
	ID          string // unique within the family, e.g. "shift+3"
	Instruction string // the task in words, for the instruction mixture
	Apply       func(string) string
}

// Demo is one demonstration: an input and the function's output.
type Demo struct{ In, Out string }

// Family is a class of functions on short strings, with the query
// distribution its demonstrations and questions draw inputs from.
type Family struct {
	Name     string
	Measures string // what inferring its functions in context requires
	Params   string // the class and the query distribution in words
	Size     int    // number of functions in the class
	Query    func(r *RNG) string
	Draw     func(r *RNG) Func // a uniformly random function of the class
	// All enumerates the class when it is small enough to search; the
	// oracle then tests consistency against it.
	All func() []Func
	// Consistent, for classes too large to enumerate, says whether some
	// function of the class maps every demo's input to its output and q to c.
	Consistent func(demos []Demo, q, c string) bool

	once sync.Once
	all  []Func // All(), computed once
}

// Families is the suite's list of task families, in a fixed order.
func Families() []*Family {
	return []*Family{shiftFamily(), substFamily(), digitsFamily(), affixFamily(),
		permuteFamily(), caseFamily(), labelFamily()}
}

// Split draws the family's functions in a seeded order and returns the
// first `heldout` as held-out functions (evaluation only) and the next
// up to `train` as training functions (pretraining corpus, instructions).
// The two sets are disjoint. At most a quarter of the class is held out.
func (f *Family) Split(seed uint64, train, heldout int) (tr, ho []Func, err error) {
	heldout = min(heldout, f.Size/4)
	if heldout < 4 {
		return nil, nil, fmt.Errorf("family %s: %d held-out functions, need 4 for four choices", f.Name, heldout)
	}
	want := min(heldout+train, f.Size)
	r := NewRNG(seed, "functions/"+f.Name)
	seen := map[string]bool{}
	var all []Func
	for len(all) < want {
		fn := f.Draw(r)
		if !seen[fn.ID] {
			seen[fn.ID] = true
			all = append(all, fn)
		}
	}
	return all[heldout:], all[:heldout], nil
}

// consistent says whether some function of the class is consistent with
// the demos and maps q to c.
func (f *Family) consistent(demos []Demo, q, c string) bool {
	if f.Consistent != nil {
		return f.Consistent(demos, q, c)
	}
	f.once.Do(func() { f.all = f.All() })
	for _, fn := range f.all {
		if fn.Apply(q) == c && agrees(fn, demos) {
			return true
		}
	}
	return false
}

func agrees(fn Func, demos []Demo) bool {
	for _, d := range demos {
		if fn.Apply(d.In) != d.Out {
			return false
		}
	}
	return true
}
