package cuda

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// The kernels are CUDA C sources in kernels/, compiled by NVRTC for the GPU
// present (sm_XY of the device) on first use and cached on disk.
//
//go:embed kernels/*.cu
var kernelFS embed.FS

// module is one compiled source with its functions looked up by name.
type module struct {
	mod   cuModule
	funcs map[string]cuFunction
}

// CacheDir is where compiled kernels are kept: SSMLAB_CUDA_CACHE, else
// ssmlab/cuda under the user's cache folder. A file is named by the hash
// of its source, options, target and NVRTC version, so an edited kernel
// or a new compiler never reads a stale image.
func CacheDir() string {
	if v := os.Getenv("SSMLAB_CUDA_CACHE"); v != "" {
		return v
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "ssmlab", "cuda")
	}
	return filepath.Join(os.TempDir(), "ssmlab-cuda")
}

// Arch is the NVRTC target of the device, "sm_90" on an H100.
func (d *Device) Arch() string { return fmt.Sprintf("sm_%d%d", d.Major, d.Minor) }

// compileOptions are NVRTC's flags for src on d: exact IEEE division and
// square roots and no fast-math, so fp32 kernels track the CPU reference.
func (d *Device) compileOptions() []string {
	return []string{"--gpu-architecture=" + d.Arch(), "--std=c++17", "-default-device"}
}

// load returns the module of kernels/<file> (after kernels/prelude.cu)
// compiled with the preprocessor defines ("HD=64"), compiling it (or
// reading the cached image) on first use.
func (d *Device) load(file string, defines ...string) (*module, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	id := file + " " + strings.Join(defines, " ")
	if m, ok := d.mods[id]; ok {
		return m, nil
	}
	body, err := kernelFS.ReadFile("kernels/" + file)
	if err != nil {
		return nil, fmt.Errorf("cuda: no kernel source %s", file)
	}
	prelude, err := kernelFS.ReadFile("kernels/prelude.cu")
	if err != nil {
		return nil, err
	}
	src := append(append(prelude[:len(prelude):len(prelude)], '\n'), body...)
	opts := d.compileOptions()
	for _, def := range defines {
		opts = append(opts, "-D"+def)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00nvrtc %d.%d\x00", src, strings.Join(opts, " "), d.NVRTC[0], d.NVRTC[1])
	key := hex.EncodeToString(h.Sum(nil))[:24]
	cache := filepath.Join(CacheDir(), strings.TrimSuffix(file, ".cu")+"-"+key+".cubin")
	image, err := os.ReadFile(cache)
	if err != nil {
		var log string
		image, log, err = nvrtcCompile(string(src), file, opts)
		if err != nil {
			return nil, fmt.Errorf("%v\n%s", err, strings.TrimSpace(log))
		}
		writeCache(cache, image) // a cache that cannot be written only costs a recompile
	}
	mod, err := cuModuleLoad(image)
	if err != nil {
		return nil, fmt.Errorf("cuda: loading %s: %v", file, err)
	}
	m := &module{mod: mod, funcs: map[string]cuFunction{}}
	d.mods[id] = m
	return m, nil
}

// writeCache writes image to path through a temporary file and a rename,
// so a concurrent reader never sees a partial image.
func writeCache(path string, image []byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return
	}
	_, err = f.Write(image)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
}

// Kernel is one __global__ function, ready to launch.
type Kernel struct {
	name string
	fn   cuFunction
}

// Kernel returns the extern "C" function name of kernels/<file> compiled
// with the given preprocessor defines.
func (d *Device) Kernel(file, name string, defines ...string) (*Kernel, error) {
	m, err := d.load(file, defines...)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	f, ok := m.funcs[name]
	if !ok {
		if f, err = cuModuleFunction(m.mod, name); err != nil {
			return nil, err
		}
		m.funcs[name] = f
	}
	return &Kernel{name: name, fn: f}, nil
}

// Launch queues k on grid × block threads with shmem bytes of dynamic
// shared memory. Arguments are *Buf (its address), devPtr (uint64), int
// (passed as a C int), int64 (a C long long) and float32.
func (k *Kernel) Launch(grid, block [3]uint32, shmem uint32, args ...any) error {
	if len(args) > 32 {
		return fmt.Errorf("cuda: %s: %d arguments (at most 32)", k.name, len(args))
	}
	var slots [32]uint64
	for i, a := range args {
		switch v := a.(type) {
		case *Buf:
			slots[i] = v.Ptr
		case devPtr:
			slots[i] = v
		case int:
			if v < math.MinInt32 || v > math.MaxInt32 {
				return fmt.Errorf("cuda: %s: argument %d = %d overflows a C int", k.name, i, v)
			}
			slots[i] = uint64(uint32(int32(v)))
		case int64: // a C long long
			slots[i] = uint64(v)
		case float32:
			slots[i] = uint64(math.Float32bits(v))
		default:
			panic(fmt.Sprintf("cuda: %s: argument %d has type %T", k.name, i, a))
		}
	}
	return cuLaunch(k.name, k.fn, grid, block, shmem, slots[:len(args)])
}

// blocks is the grid size covering n threads in blocks of bs.
func blocks(n, bs int) [3]uint32 { return [3]uint32{uint32((n + bs - 1) / bs), 1, 1} }
