// Package all registers every architecture of the harness with the models
// registry. Programs and packages that look architectures up by name
// (configs, checkpoints, figures) import it for its side effect:
//
//	import _ "github.com/ssmlab/ssmlab/models/all"
package all

import (
	_ "github.com/ssmlab/ssmlab/models/hybrid"
	_ "github.com/ssmlab/ssmlab/models/mamba"
	_ "github.com/ssmlab/ssmlab/models/mamba2"
	_ "github.com/ssmlab/ssmlab/models/rnn"
	_ "github.com/ssmlab/ssmlab/models/transformer"
)
