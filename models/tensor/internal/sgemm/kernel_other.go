//go:build !amd64

package sgemm

var archKernels []Kernel
