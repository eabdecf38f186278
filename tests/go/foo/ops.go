package foo

// Op does one guarded operation from this module's own code. The enforcement
// tests leave example.com/foo unconfined while example.com/poisoned is
// confined (these must succeed), and in the YAML policy test confine it with
// allow: [rpath, proc] (so "exec" is denied at execve, op=exec).

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

//go:noinline
func Op(op string, args []string) error {
	if len(args) < 1 && op != "socket-unix" {
		return fmt.Errorf("foo.Op %s: missing argument", op)
	}
	switch op {
	case "open-read":
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		return f.Close()
	case "open-write":
		f, err := os.OpenFile(args[0], os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		return f.Close()
	case "create":
		f, err := os.OpenFile(args[0], os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		return f.Close()
	case "unlink":
		return syscall.Unlink(args[0])
	case "rename":
		if len(args) < 2 {
			return fmt.Errorf("foo.Op rename: needs 2 arguments")
		}
		return syscall.Rename(args[0], args[1])
	case "mkdir":
		return syscall.Mkdir(args[0], 0o755)
	case "exec": // os/exec as usual: /dev/null for stdin, fork, execve
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
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
	case "socket-unix":
		fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		if err != nil {
			return err
		}
		return syscall.Close(fd)
	case "kill":
		var pid int
		fmt.Sscan(args[0], &pid)
		return syscall.Kill(pid, syscall.SIGTERM)
	}
	return fmt.Errorf("foo.Op: unknown operation %q", op)
}
