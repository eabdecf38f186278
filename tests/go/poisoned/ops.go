package poisoned

// One function per guarded operation, for the enforcement tests
// (tests/vm/enforce*.sh, through victim's "multi" subcommand). Each one makes
// the system call from this module's own frame, so a denial's log line names
// it: func=example.com/poisoned.Create, ... The same operations from the main
// module are in example.com/victim/internal/own (ops.go) and from an
// unconfined module in example.com/foo (ops.go).

import (
	"os"
	"os/exec"
	"syscall"
	"unsafe"
)

// Create creates path (O_CREAT|O_EXCL): class cpath, op create.
//
//go:noinline
func Create(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

//go:noinline
func Unlink(path string) error { return syscall.Unlink(path) }

//go:noinline
func Rename(from, to string) error { return syscall.Rename(from, to) }

//go:noinline
func Mkdir(path string) error { return syscall.Mkdir(path, 0o755) }

//go:noinline
func Rmdir(path string) error { return syscall.Rmdir(path) }

//go:noinline
func Chmod(path string) error { return syscall.Chmod(path, 0o600) }

//go:noinline
func Chown(path string) error { return syscall.Chown(path, 0, 0) }

//go:noinline
func Truncate(path string) error { return syscall.Truncate(path, 0) }

//go:noinline
func Stat(path string) error {
	var st syscall.Stat_t
	return syscall.Stat(path, &st)
}

//go:noinline
func Readlink(path string) error {
	buf := make([]byte, 256)
	_, err := syscall.Readlink(path, buf)
	return err
}

//go:noinline
func Symlink(target, link string) error { return syscall.Symlink(target, link) }

//go:noinline
func Link(from, to string) error { return syscall.Link(from, to) }

// Mkfifo makes a FIFO: class dpath, op mknod.
//
//go:noinline
func Mkfifo(path string) error { return syscall.Mkfifo(path, 0o644) }

// ExecSys replaces the process with prog (execve itself, no fork, no
// /dev/null): class exec alone. Returns only if the exec failed.
//
//go:noinline
func ExecSys(prog string, args ...string) error {
	return syscall.Exec(prog, append([]string{prog}, args...), os.Environ())
}

// Spawn runs prog with the caller's stdin/stdout/stderr (so os/exec opens no
// /dev/null): the first guarded operation is the fork (class proc).
//
//go:noinline
func Spawn(prog string, args ...string) error {
	cmd := exec.Command(prog, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	return cmd.Run()
}

// Socket creates a socket of the given family and type (and closes it).
//
//go:noinline
func Socket(family, typ, proto int) error {
	fd, err := syscall.Socket(family, typ, proto)
	if err != nil {
		return err
	}
	return syscall.Close(fd)
}

// ConnectFD connects a socket someone else created: op connect.
//
//go:noinline
func ConnectFD(fd int, sa syscall.Sockaddr) error { return syscall.Connect(fd, sa) }

// ListenFD listens on a socket someone else created and bound: op listen.
//
//go:noinline
func ListenFD(fd int) error { return syscall.Listen(fd, 8) }

// SendToFD sends a datagram to an explicit address: op sendto.
//
//go:noinline
func SendToFD(fd int, sa syscall.Sockaddr) error {
	return syscall.Sendto(fd, []byte("poisoned"), 0, sa)
}

// Kill sends SIGTERM to another process: class proc, op kill.
//
//go:noinline
func Kill(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }

// Ptrace seizes another process: class ptrace.
//
//go:noinline
func Ptrace(pid int) error {
	_, _, e := syscall.Syscall6(syscall.SYS_PTRACE, 0x4206 /* PTRACE_SEIZE */, uintptr(pid), 0, 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// Setuid calls setuid(2) on this thread only: class id.
//
//go:noinline
func Setuid(uid int) error {
	_, _, e := syscall.RawSyscall(syscall.SYS_SETUID, uintptr(uid), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// MmapExec maps anonymous executable memory: class prot_exec.
//
//go:noinline
func MmapExec() error {
	b, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_EXEC, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return err
	}
	return syscall.Munmap(b)
}

// MprotectExec maps anonymous memory read-write (not guarded), then asks for
// PROT_EXEC: class prot_exec, op mprotect-exec.
//
//go:noinline
func MprotectExec() error {
	b, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return err
	}
	defer syscall.Munmap(b)
	return syscall.Mprotect(b, syscall.PROT_READ|syscall.PROT_EXEC)
}

// Ioctl asks for the block size of an open file (FIGETBSZ): class ioctl.
//
//go:noinline
func Ioctl(fd int) error {
	var bsz int32
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), 2 /* FIGETBSZ */, uintptr(unsafe.Pointer(&bsz)))
	if e != 0 {
		return e
	}
	return nil
}

// Fcntl asks about record locks (F_GETLK): class fcntl.
//
//go:noinline
func Fcntl(fd int) error {
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0}
	return syscall.FcntlFlock(uintptr(fd), syscall.F_GETLK, &lk)
}

// Mount mounts a tmpfs on dir: class mount.
//
//go:noinline
func Mount(dir string) error { return syscall.Mount("bpfjail-test", dir, "tmpfs", 0, "") }

// BPF asks for the first BPF program id (BPF_PROG_GET_NEXT_ID): class bpf.
//
//go:noinline
func BPF() error {
	var attr [4]uint32
	_, _, e := syscall.Syscall(321 /* SYS_BPF */, 11 /* BPF_PROG_GET_NEXT_ID */, uintptr(unsafe.Pointer(&attr[0])), unsafe.Sizeof(attr))
	if e != 0 {
		return e
	}
	return nil
}

// Deep recurses n frames inside this module, then calls f.
//
//go:noinline
func Deep(n int, f func() error) error {
	if n <= 0 {
		return f()
	}
	return Deep(n-1, f)
}

// Produce hands args to its caller over a channel, from a goroutine of this
// module: whatever the caller does with them runs on the caller's stack.
//
//go:noinline
func Produce(args []string) <-chan []string {
	ch := make(chan []string, 1)
	go func() { ch <- append([]string(nil), args...) }()
	return ch
}
