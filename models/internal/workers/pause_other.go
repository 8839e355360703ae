//go:build !amd64

package workers

func pause(int) {}
