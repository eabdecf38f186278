// benchprog: the Go program bench/enforce-vm.sh measures (Go 1.19,
// CGO_ENABLED=0, standard library and local modules only). Every timed
// subcommand measures itself with the monotonic clock and prints one line of
// key=value figures, so the cost of starting the program (and of bpfjail
// reading it and loading its table) is not part of the figure.
//
//	benchprog open-loop PATH N DEPTH
//	    calls example.com/poisoned once (poisoned=ok|denied: denied when the
//	    jail confines it), recurses DEPTH frames in main, then opens and
//	    closes PATH N times from main: poisoned is NOT on the stack in the
//	    loop. Prints ns_per_iter, frames (the depth of the goroutine stack at
//	    the openat system call, from the stub to runtime.goexit, inlined
//	    calls included) and phys_frames (those a frame-pointer walk visits).
//	benchprog workload DIR NREQ
//	    calls example.com/benchcold once (cold=ok|denied), walks DIR and
//	    hashes every file (sha256), then serves DIR over HTTP on 127.0.0.1
//	    (net/http FileServer) and fetches NREQ of its files from itself
//	    (4 clients in parallel, keep-alive, every 4th request on a new
//	    connection), hashing each body. Prints walk_ms, http_ms, total_ms.
//	benchprog gentree DIR NFILES
//	    writes NFILES files (256 B .. 16 KiB) in a tree of 3 levels under DIR.
//	benchprog sleep SECONDS
//	    sleeps (a long-running process to keep a jail loaded).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"example.com/benchcold"
	"example.com/poisoned"
)

// Below the loop's os.Open call, in Go 1.19: os.Open (inlined), os.OpenFile,
// os.openFileNolog, syscall.Open (inlined), syscall.openat, syscall.Syscall6,
// and the frameless stub runtime/internal/syscall.Syscall6 where the SYSCALL
// is: 7 frames, 5 of them physical (a goroutine dump of a blocked open shows
// them; bench/README.md).
const openFrames, openPhysFrames = 7, 5

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "benchprog: "+format+"\n", a...)
	os.Exit(1)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		die("bad number %q", s)
	}
	return n
}

type loopResult struct {
	frames int // logical (inlined functions count)
	phys   int // physical: what a frame-pointer walk sees
	ns     float64
	err    error
}

// deep recurses n frames, then runs the loop: each level stays on the stack.
//
//go:noinline
func deep(n int, path string, iters int, r *loopResult) {
	if n > 0 {
		deep(n-1, path, iters, r) // Go does no tail calls: every level stays
		return
	}
	loop(path, iters, r)
}

//go:noinline
func loop(path string, iters int, r *loopResult) {
	pcs := make([]uintptr, 512)
	// runtime.Callers(1): loop ... runtime.goexit, one PC per logical frame
	// (inlined ones included); os.Open adds openFrames below.
	n := runtime.Callers(1, pcs)
	r.frames = n + openFrames
	r.phys = openPhysFrames
	for _, pc := range pcs[:n] {
		// A PC that stands for an inlined call names the inlined function
		// while its entry is the physical function's.
		if f := runtime.FuncForPC(pc - 1); f != nil {
			if g := runtime.FuncForPC(f.Entry()); g != nil && g.Name() == f.Name() {
				r.phys++
			}
		}
	}
	t0 := time.Now()
	for i := 0; i < iters; i++ {
		f, err := os.Open(path)
		if err != nil {
			r.err = err
			return
		}
		f.Close()
	}
	r.ns = float64(time.Since(t0).Nanoseconds()) / float64(iters)
}

func openLoop(path string, iters, depth int) {
	pz := "ok"
	if _, err := poisoned.OpenRead(path); err != nil {
		pz = "denied"
		if !os.IsPermission(err) {
			pz = "error"
		}
	}
	var r loopResult
	deep(depth, path, iters, &r)
	if r.err != nil {
		die("open-loop: %v", r.err)
	}
	fmt.Printf("open-loop n=%d depth=%d frames=%d phys_frames=%d ns_per_iter=%.0f poisoned=%s\n",
		iters, depth, r.frames, r.phys, r.ns, pz)
}

func hashFile(path string) (int64, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return n, h.Sum(nil), err
}

func workload(dir string, nreq int) {
	t0 := time.Now()
	cold := benchcold.Banner("/etc/hostname")

	// Phase 1: walk and hash.
	var files []string
	var total int64
	all := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		n, sum, err := hashFile(p)
		if err != nil {
			return err
		}
		total += n
		all.Write(sum)
		rel, _ := filepath.Rel(dir, p)
		files = append(files, "/"+filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		die("workload: walk: %v", err)
	}
	if len(files) == 0 {
		die("workload: no files under %s", dir)
	}
	t1 := time.Now()

	// Phase 2: serve the tree and fetch from ourselves.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		die("workload: listen: %v", err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 60 * time.Second}
	const workers = 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	var fetched int64
	var ferr error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			h := sha256.New()
			var got int64
			for i := w; i < nreq; i += workers {
				req, _ := http.NewRequest("GET", base+files[i%len(files)], nil)
				req.Close = i%4 == 0
				resp, err := client.Do(req)
				if err == nil && resp.StatusCode != 200 {
					err = fmt.Errorf("%s: %s", req.URL, resp.Status)
				}
				if err != nil {
					mu.Lock()
					ferr = err
					mu.Unlock()
					return
				}
				n, _ := io.Copy(h, resp.Body)
				resp.Body.Close()
				got += n
			}
			mu.Lock()
			fetched += got
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	if ferr != nil {
		die("workload: fetch: %v", ferr)
	}
	srv.Close()
	t2 := time.Now()
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) }
	fmt.Printf("workload files=%d bytes=%d requests=%d fetched=%d walk_ms=%s http_ms=%s total_ms=%s cold=%s digest=%s\n",
		len(files), total, nreq, fetched, ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(t2.Sub(t0)), cold,
		hex.EncodeToString(all.Sum(nil))[:12])
}

func gentree(dir string, nfiles int) {
	buf := make([]byte, 16384)
	for i := range buf {
		buf[i] = byte(i*7 + i/251)
	}
	for i := 0; i < nfiles; i++ {
		d := filepath.Join(dir, fmt.Sprintf("d%02d", i%20), fmt.Sprintf("e%02d", (i/20)%10))
		if err := os.MkdirAll(d, 0o755); err != nil {
			die("gentree: %v", err)
		}
		size := 256 + (i*7919)%(len(buf)-256)
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%05d.dat", i)), buf[:size], 0o644); err != nil {
			die("gentree: %v", err)
		}
	}
	fmt.Printf("gentree dir=%s files=%d\n", dir, nfiles)
}

func main() {
	a := os.Args[1:]
	if len(a) == 0 {
		die("usage: benchprog open-loop PATH N DEPTH | workload DIR NREQ | gentree DIR NFILES | sleep SECONDS")
	}
	switch {
	case a[0] == "open-loop" && len(a) == 4:
		openLoop(a[1], atoi(a[2]), atoi(a[3]))
	case a[0] == "workload" && len(a) == 3:
		workload(a[1], atoi(a[2]))
	case a[0] == "gentree" && len(a) == 3:
		gentree(a[1], atoi(a[2]))
	case a[0] == "sleep" && len(a) == 2:
		time.Sleep(time.Duration(atoi(a[1])) * time.Second)
	default:
		die("bad arguments: %q", a)
	}
}
