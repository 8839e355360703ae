//go:build !amd64

package cpuid
