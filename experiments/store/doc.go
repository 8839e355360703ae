// Package store owns the layout of results/: one directory per trial under
// runs/<experiment>/<trial-key>/ and one per shared artifact under
// artifacts/<name>/<label>-<hash>/, the files in them, the config hash
// that guards against stale results, and Collect, which reads finished
// trials back for plots. It imports no model or experiment kind, so the
// plots package can use it alone.
package store
