package cuda

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Device is the process's GPU (device 0) with its primary context, cuBLAS
// handle, kernel modules and caching allocator. Open returns the one value.
type Device struct {
	Name         string // as the driver names it, "NVIDIA H100 80GB HBM3"
	Major, Minor int    // compute capability
	SMs          int    // multiprocessors
	TotalMem     uint64 // bytes
	Driver       int    // CUDA version the driver supports, 1000·major + 10·minor
	NVRTC        [2]int // NVRTC major, minor
	CUBLAS       int    // cuBLAS version, 10000·major + 100·minor + patch
	Libs         [3]string

	Alloc *Allocator

	ctx  cuContext
	blas cublasHandle
	mu   sync.Mutex
	mods map[string]*module
}

var (
	openOnce sync.Once
	theDev   *Device
	openErr  error
)

// ErrNoDriver is the cause Open reports where libcuda.so.1 cannot be loaded.
var ErrNoDriver = errors.New("no CUDA driver (libcuda.so.1 not found)")

// Open loads the driver, NVRTC and cuBLAS (once per process) and returns
// device 0. Its error is one line saying what is missing.
func Open() (*Device, error) {
	openOnce.Do(func() { theDev, openErr = open() })
	return theDev, openErr
}

func open() (*Device, error) {
	if !cgoAvailable {
		return nil, errors.New(errNoCgoLine)
	}
	d := &Device{mods: map[string]*module{}}
	var ok bool
	var missing string
	if d.Libs[0], missing, ok = loadCUDA(candidates("libcuda.so.1", "libcuda.so")); !ok {
		return nil, ErrNoDriver
	} else if missing != "" {
		return nil, fmt.Errorf("the CUDA driver %s lacks %s (too old a driver?)", d.Libs[0], missing)
	}
	if err := cuInit(); err != nil {
		return nil, fmt.Errorf("no usable CUDA device (%v)", err)
	}
	if n, err := cuDeviceCount(); err != nil || n == 0 {
		return nil, fmt.Errorf("no CUDA device (the driver sees %d)", n)
	}
	dev, err := cuDeviceGet(0)
	if err != nil {
		return nil, err
	}
	if err := d.describe(dev); err != nil {
		return nil, err
	}
	if d.ctx, err = cuPrimaryContext(dev); err != nil {
		return nil, err
	}
	if d.Libs[1], missing, ok = loadNVRTC(candidates("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so")); !ok {
		return nil, fmt.Errorf("no NVRTC (libnvrtc.so.13 not found; set SSMLAB_CUDA_LIBS to the folder that holds it)")
	} else if missing != "" {
		return nil, fmt.Errorf("NVRTC %s lacks %s", d.Libs[1], missing)
	}
	if d.NVRTC[0], d.NVRTC[1], err = nvrtcVersion(); err != nil {
		return nil, err
	}
	if d.Libs[2], missing, ok = loadCUBLAS(candidates("libcublas.so.13", "libcublas.so.12", "libcublas.so")); !ok {
		return nil, fmt.Errorf("no cuBLAS (libcublas.so.13 not found; set SSMLAB_CUDA_LIBS to the folder that holds it)")
	} else if missing != "" {
		return nil, fmt.Errorf("cuBLAS %s lacks %s", d.Libs[2], missing)
	}
	if d.blas, d.CUBLAS, err = cublasCreate(); err != nil {
		return nil, err
	}
	d.Alloc = &Allocator{free: map[uint64][]devPtr{}}
	return d, nil
}

// errNoCgoLine is the reason a build without cgo gives.
const errNoCgoLine = "no CUDA support in this binary: it was built without cgo (CGO_ENABLED=0), which loading libcuda.so.1 needs"

func (d *Device) describe(dev cuDevice) error {
	var err error
	if d.Name, err = cuDeviceName(dev); err != nil {
		return err
	}
	const attrSMs, attrMajor, attrMinor = 16, 75, 76
	if d.SMs, err = cuDeviceAttr(dev, attrSMs); err != nil {
		return err
	}
	if d.Major, err = cuDeviceAttr(dev, attrMajor); err != nil {
		return err
	}
	if d.Minor, err = cuDeviceAttr(dev, attrMinor); err != nil {
		return err
	}
	if d.TotalMem, err = cuDeviceTotalMem(dev); err != nil {
		return err
	}
	d.Driver, err = cuDriverVersion()
	return err
}

// String is one line for `ssmlab version` and provenance.
func (d *Device) String() string {
	return fmt.Sprintf("%s (sm_%d%d, %d SMs, %.1f GiB), driver CUDA %d.%d, NVRTC %d.%d, cuBLAS %d.%d.%d",
		d.Name, d.Major, d.Minor, d.SMs, float64(d.TotalMem)/(1<<30), d.Driver/1000, d.Driver%1000/10,
		d.NVRTC[0], d.NVRTC[1], d.CUBLAS/10000, d.CUBLAS%10000/100, d.CUBLAS%100)
}

// Sync waits for all work queued on the device and reports the first
// asynchronous error of it.
func (d *Device) Sync() error { return cuSync() }

// candidates lists where to look for a library: the bare sonames (the
// loader's own search: LD_LIBRARY_PATH, ldconfig), then each name in the
// folders of SSMLAB_CUDA_LIBS (colon-separated), CUDA_HOME and the usual
// toolkit and Python-wheel locations.
func candidates(names ...string) []string {
	out := append([]string(nil), names...)
	var dirs []string
	if v := os.Getenv("SSMLAB_CUDA_LIBS"); v != "" {
		dirs = append(dirs, filepath.SplitList(v)...)
	}
	if v := os.Getenv("CUDA_HOME"); v != "" {
		dirs = append(dirs, filepath.Join(v, "lib64"), filepath.Join(v, "lib"))
	}
	dirs = append(dirs, "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu")
	for _, pat := range []string{"/opt/*/.venv/lib/python3*/site-packages/nvidia/*/lib",
		"/usr/local/lib/python3*/dist-packages/nvidia/*/lib", "/usr/lib/python3*/site-packages/nvidia/*/lib"} {
		m, _ := filepath.Glob(pat)
		dirs = append(dirs, m...)
	}
	for _, d := range dirs {
		for _, n := range names {
			if strings.Contains(n, "libcuda.") && strings.Contains(d, "python") {
				continue // wheels carry stubs of the driver, never the driver
			}
			out = append(out, filepath.Join(d, n))
		}
	}
	return out
}
