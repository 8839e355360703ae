package suite_test

import (
	"fmt"

	"github.com/ssmlab/ssmlab/datasets/suite"
)

// Generate the quick suite in memory and look at one evaluation prompt,
// its choices, and the start of a pretraining document.
func Example() {
	p, _ := suite.ProfileNamed("quick")
	s, err := suite.Generate(0, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	task := s.Families[0].Tasks[0].Task() // a held-out Caesar shift
	reqs, _ := task.Requests(2)
	fmt.Printf("%s: %d tasks, %d requests at 2 shots\n", task.Name, len(s.Tasks()), len(reqs))
	fmt.Printf("%q\n", reqs[0].Context)
	fmt.Printf("%q %q %q %q\n", reqs[0].Continuation, reqs[1].Continuation, reqs[2].Continuation, reqs[3].Continuation)
	fmt.Printf("%q\n", s.PretrainTrain[0].Text[:26])
	// Output:
	// shift/shift+22: 41 tasks, 32 requests at 2 shots
	// "aeo -> wak\n\nklx -> ght\n\nuzw ->"
	// " bgd" " vax" " qvs" " jol"
	// "bebc -> gbga\n\necdc -> baea"
}
