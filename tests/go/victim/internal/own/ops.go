package own

// Op does one guarded operation from the main module's own code: the
// counterpart of example.com/poisoned's per-operation functions (ops.go
// there), for victim's "multi" subcommand. fd and sa are prepared by the
// caller for the operations on an existing descriptor (connect-fd,
// listen-fd, sendto-fd, ioctl, fcntl).

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
	"unsafe"
)

func need(op string, args []string, n int) error {
	if len(args) < n {
		return fmt.Errorf("%s needs %d argument(s)", op, n)
	}
	return nil
}

//go:noinline
func Op(op string, args []string, fd int, sa syscall.Sockaddr) error {
	nargs := map[string]int{
		"open-read": 1, "open-write": 1, "create": 1, "unlink": 1, "rename": 2, "mkdir": 1,
		"rmdir": 1, "chmod": 1, "chown": 1, "truncate": 1, "stat": 1, "readlink": 1,
		"symlink": 2, "link": 2, "mkfifo": 1, "exec": 1, "spawn": 1, "connect": 1,
		"listen": 1, "kill": 1, "ptrace": 1, "mount": 1,
	}
	if err := need(op, args, nargs[op]); err != nil {
		return err
	}
	switch op {
	case "open-read":
		_, err := OpenRead(args[0])
		return err
	case "open-write":
		return OpenWrite(args[0], []byte("own\n"))
	case "create":
		f, err := os.OpenFile(args[0], os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		return f.Close()
	case "unlink":
		return syscall.Unlink(args[0])
	case "rename":
		return syscall.Rename(args[0], args[1])
	case "mkdir":
		return syscall.Mkdir(args[0], 0o755)
	case "rmdir":
		return syscall.Rmdir(args[0])
	case "chmod":
		return syscall.Chmod(args[0], 0o600)
	case "chown":
		return syscall.Chown(args[0], 0, 0)
	case "truncate":
		return syscall.Truncate(args[0], 0)
	case "stat":
		var st syscall.Stat_t
		return syscall.Stat(args[0], &st)
	case "readlink":
		buf := make([]byte, 256)
		_, err := syscall.Readlink(args[0], buf)
		return err
	case "symlink":
		return syscall.Symlink(args[0], args[1])
	case "link":
		return syscall.Link(args[0], args[1])
	case "mkfifo":
		return syscall.Mkfifo(args[0], 0o644)
	case "exec": // os/exec as usual: /dev/null for stdin, fork, execve
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		return cmd.Run()
	case "spawn":
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		return cmd.Run()
	case "connect":
		c, err := net.DialTimeout("tcp", args[0], 2*time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	case "listen":
		l, err := net.Listen("tcp", args[0])
		if err != nil {
			return err
		}
		return l.Close()
	case "connect-fd":
		return syscall.Connect(fd, sa)
	case "listen-fd":
		return syscall.Listen(fd, 8)
	case "sendto-fd":
		return syscall.Sendto(fd, []byte("own"), 0, sa)
	case "socket-unix", "socket-raw", "socket-netlink", "socket-packet":
		f, t, p := SocketArgs(op)
		s, err := syscall.Socket(f, t, p)
		if err != nil {
			return err
		}
		return syscall.Close(s)
	case "kill":
		var pid int
		fmt.Sscan(args[0], &pid)
		return syscall.Kill(pid, syscall.SIGTERM)
	case "ptrace":
		var pid int
		fmt.Sscan(args[0], &pid)
		_, _, e := syscall.Syscall6(syscall.SYS_PTRACE, 0x4206, uintptr(pid), 0, 0, 0, 0)
		return errnoErr(e)
	case "setuid":
		_, _, e := syscall.RawSyscall(syscall.SYS_SETUID, 0, 0, 0)
		return errnoErr(e)
	case "mmap-exec":
		b, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_EXEC, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			return err
		}
		return syscall.Munmap(b)
	case "mprotect-exec":
		b, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			return err
		}
		defer syscall.Munmap(b)
		return syscall.Mprotect(b, syscall.PROT_READ|syscall.PROT_EXEC)
	case "ioctl":
		var bsz int32
		_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), 2, uintptr(unsafe.Pointer(&bsz)))
		return errnoErr(e)
	case "fcntl":
		lk := syscall.Flock_t{Type: syscall.F_WRLCK}
		return syscall.FcntlFlock(uintptr(fd), syscall.F_GETLK, &lk)
	case "mount":
		if err := syscall.Mount("bpfjail-test", args[0], "tmpfs", 0, ""); err != nil {
			return err
		}
		return syscall.Unmount(args[0], 0)
	case "bpf":
		var attr [4]uint32
		_, _, e := syscall.Syscall(321, 11, uintptr(unsafe.Pointer(&attr[0])), unsafe.Sizeof(attr))
		return errnoErr(e)
	}
	return fmt.Errorf("own.Op: unknown operation %q", op)
}

// SocketArgs maps "socket-KIND" to socket(2)'s arguments.
func SocketArgs(op string) (family, typ, proto int) {
	switch op {
	case "socket-unix":
		return syscall.AF_UNIX, syscall.SOCK_STREAM, 0
	case "socket-raw":
		return syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_ICMP
	case "socket-netlink":
		return syscall.AF_NETLINK, syscall.SOCK_RAW, 0 // NETLINK_ROUTE
	case "socket-packet":
		return syscall.AF_PACKET, syscall.SOCK_RAW, 0
	}
	return -1, -1, -1
}

func errnoErr(e syscall.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}

// Deep recurses n frames in the main module, then calls f.
//
//go:noinline
func Deep(n int, f func() error) error {
	if n <= 0 {
		return f()
	}
	return Deep(n-1, f)
}
