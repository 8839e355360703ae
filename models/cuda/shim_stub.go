//go:build !(linux && cgo)

package cuda

import (
	"errors"
	"unsafe"
)

// This build has no cgo (or is not linux): it cannot dlopen the CUDA
// libraries, so every entry point reports that, and Open fails with one line.

const cgoAvailable = false

var errNoCgo = errors.New(errNoCgoLine)

type (
	cuDevice     int
	cuContext    uintptr
	cuModule     uintptr
	cuFunction   uintptr
	devPtr       = uint64
	cublasHandle uintptr
)

func loadCUDA([]string) (string, string, bool)   { return "", "", false }
func loadNVRTC([]string) (string, string, bool)  { return "", "", false }
func loadCUBLAS([]string) (string, string, bool) { return "", "", false }

func cuInit() error                                { return errNoCgo }
func cuDriverVersion() (int, error)                { return 0, errNoCgo }
func cuDeviceCount() (int, error)                  { return 0, errNoCgo }
func cuDeviceGet(int) (cuDevice, error)            { return 0, errNoCgo }
func cuDeviceName(cuDevice) (string, error)        { return "", errNoCgo }
func cuDeviceAttr(cuDevice, int) (int, error)      { return 0, errNoCgo }
func cuDeviceTotalMem(cuDevice) (uint64, error)    { return 0, errNoCgo }
func cuPrimaryContext(cuDevice) (cuContext, error) { return 0, errNoCgo }
func cuSync() error                                { return errNoCgo }
func cuMemAlloc(uint64) (devPtr, error)            { return 0, errNoCgo }
func cuMemFree(devPtr) error                       { return errNoCgo }
func cuCopyHtoD(devPtr, unsafe.Pointer, uint64) error {
	return errNoCgo
}
func cuCopyDtoH(unsafe.Pointer, devPtr, uint64) error { return errNoCgo }
func cuMemset32(devPtr, uint32, uint64) error         { return errNoCgo }
func cuModuleLoad([]byte) (cuModule, error)           { return 0, errNoCgo }
func cuModuleFunction(cuModule, string) (cuFunction, error) {
	return 0, errNoCgo
}
func cuLaunch(string, cuFunction, [3]uint32, [3]uint32, uint32, []uint64) error { return errNoCgo }
func nvrtcVersion() (int, int, error)                                           { return 0, 0, errNoCgo }
func nvrtcCompile(string, string, []string) ([]byte, string, error)             { return nil, "", errNoCgo }
func cublasCreate() (cublasHandle, int, error)                                  { return 0, 0, errNoCgo }
func cublasSgemm(cublasHandle, bool, bool, int, int, int, float32, devPtr, int, devPtr, int, float32, devPtr, int) error {
	return errNoCgo
}
func cublasGemmEx(cublasHandle, bool, bool, int, int, int, float32, devPtr, int, int, devPtr, int, int, float32, devPtr, int, int) error {
	return errNoCgo
}
