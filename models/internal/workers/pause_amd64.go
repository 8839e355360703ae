package workers

// pause runs the PAUSE instruction n times (n > 0): a spin-wait hint that
// hands the core's execution resources to its other hardware thread.
//
//go:noescape
func pause(n int)
