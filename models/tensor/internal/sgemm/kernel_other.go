//go:build !amd64

package sgemm
