// Package poisoned is a third-party module that does what a confined module
// must not: run programs, open files, connect to the network. The victim
// (example.com/victim) calls it from subcommands; enforcement tests jail this
// module and check that only its operations are denied.
//
// Every exported function is //go:noinline so its frame is on the stack when
// the syscall happens. Small() is the exception: it is meant to be inlined
// into its caller (see victim's "inlined-open").
package poisoned

import (
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
	"unsafe"
)

// Exec runs prog with args and waits for it (fork+exec from this module).
//
//go:noinline
func Exec(prog string, args ...string) error {
	cmd := exec.Command(prog, args...)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

// OpenRead opens path read-only and returns the number of bytes read.
//
//go:noinline
func OpenRead(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := f.Read(buf)
	if n > 0 {
		err = nil
	}
	return n, err
}

// OpenWrite creates (or truncates) path and writes data to it.
//
//go:noinline
func OpenWrite(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Connect opens a TCP connection to addr ("host:port") and closes it.
//
//go:noinline
func Connect(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// OpenLoop opens and closes path n times (a benchmark of the guarded path).
//
//go:noinline
func OpenLoop(path string, n int) error {
	for i := 0; i < n; i++ {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		f.Close()
	}
	return nil
}

// Call calls f with this module's frame on the stack: the operation is the
// caller's code, but the poisoned module is among the callers.
//
//go:noinline
func Call(f func() error) error {
	return f()
}

// Go runs f on a new goroutine started by this module and waits for it: the
// goroutine's stack holds only f's frames (and the runtime's), not Go's.
//
//go:noinline
func Go(f func() error) error {
	ch := make(chan error)
	go func() { ch <- f() }()
	return <-ch
}

// Small opens path read-only and returns the file descriptor; it is small
// enough to be inlined into its caller (victim's main.main), so its code lies
// inside the caller's PC range.
// It takes a NUL-terminated path (syscall.BytePtrFromString) to stay under
// the inlining budget.
func Small(path *byte) (uintptr, syscall.Errno) {
	fd, _, e := syscall.Syscall(syscall.SYS_OPENAT, atFdcwd, uintptr(unsafe.Pointer(path)),
		syscall.O_RDONLY|syscall.O_CLOEXEC)
	return fd, e
}

const atFdcwd = ^uintptr(99) // AT_FDCWD = -100
