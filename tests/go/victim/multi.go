package main

// Subcommands for the enforcement tests (tests/vm/enforce*.sh). One bpfjail
// run costs seconds under the test VM, so one victim run tries many
// operations and prints one result line per operation:
//
//	victim multi SPEC...   run each SPEC, print "R SPEC => RESULT", exit 0
//	victim exit N          exit with status N
//	victim kill-self       send SIGTERM to itself (dies by the signal)
//
// A SPEC is one argument of space-separated words, "WHO OP [ARGS...]":
//
//	WHO  p     example.com/poisoned (its per-operation functions, ops.go)
//	     self  the main module (internal/own.Op)
//	     foo   example.com/foo (foo.Op; unconfined in most tests)
//	     y     example.com/yaml.v3 (only open-read and exec-sys; symbols
//	           yaml%2ev3.*)
//	OP   open-read PATH, open-write PATH (existing file), create PATH,
//	     unlink PATH, rename OLD NEW, mkdir PATH, rmdir PATH, chmod PATH,
//	     chown PATH, truncate PATH, stat PATH, readlink PATH, symlink
//	     TARGET LINK, link OLD NEW, mkfifo PATH, exec PROG [ARGS] (os/exec:
//	     /dev/null, fork, execve), spawn PROG [ARGS] (os/exec with our stdio:
//	     fork, execve), exec-sys PROG [ARGS] (execve alone), connect ADDR
//	     (net.Dial), listen ADDR (net.Listen), connect-fd ADDR, listen-fd,
//	     sendto-fd ADDR (the socket is created by main, only the named call
//	     is made by WHO), socket-unix|socket-raw|socket-netlink|socket-packet,
//	     kill PID (SIGTERM), ptrace PID (PTRACE_SEIZE), setuid (to 0),
//	     mmap-exec, mprotect-exec, ioctl PATH, fcntl PATH (main opens PATH,
//	     WHO does FIGETBSZ / F_GETLK), mount DIR (tmpfs), bpf
//	     (BPF_PROG_GET_NEXT_ID)
//	wrappers, followed by another SPEC:
//	     p call SPEC      poisoned.Call(closure from main doing SPEC)
//	     p go SPEC        poisoned.Go: SPEC on a goroutine poisoned starts
//	     p chan SPEC      poisoned.Produce sends SPEC's words over a
//	                      channel; main receives them and does SPEC itself
//	     p|self deep N SPEC   recurse N frames in poisoned / main, then SPEC
//	main only:
//	     self reexec [K=V...] ARGS...   run /proc/self/exe ARGS (with the
//	                      extra environment) and wait; RESULT "exit N pid P"
//	     self sh SCRIPT...  /bin/sh -c SCRIPT (the words joined by spaces)
//	     self sleep N     print "sleeping PID", sleep N seconds
//	     self exit N      exit N now (later SPECs do not run)
//	     self kill-self   SIGTERM to itself
//
// "@LISTENER" in a SPEC stands for the address of a TCP listener main opens
// before the first SPEC. RESULT is "ok", "errno=N NAME: message" or
// "exit N pid P". The first line is "pid PID".

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"example.com/foo"
	"example.com/poisoned"
	"example.com/victim/internal/own"
	yaml "example.com/yaml.v3"
)

// extra runs the subcommands of this file; false if args[0] is not one.
func extra(args []string) bool {
	switch args[0] {
	case "multi":
		multi(args[1:])
		os.Exit(0)
	case "exit":
		n := 0
		if len(args) > 1 {
			n, _ = strconv.Atoi(args[1])
		}
		os.Exit(n)
	case "kill-self":
		killSelf()
	default:
		return false
	}
	return true
}

func killSelf() {
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	time.Sleep(10 * time.Second)
	fmt.Fprintln(os.Stderr, "victim: kill-self: still alive after SIGTERM")
	os.Exit(3)
}

var listener string

func multi(specs []string) {
	fmt.Printf("pid %d\n", os.Getpid())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "victim: multi: listen: %v\n", err)
		os.Exit(1)
	}
	listener = ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	for _, spec := range specs {
		words := strings.Fields(strings.ReplaceAll(spec, "@LISTENER", listener))
		detail, err := dispatch(words)
		fmt.Printf("R %s => %s\n", spec, describe(detail, err))
	}
}

func describe(detail string, err error) string {
	if err != nil {
		var en syscall.Errno
		if errors.As(err, &en) {
			return fmt.Sprintf("errno=%d %s: %v", int(en), errnoName(en), err)
		}
		return fmt.Sprintf("errno=0 none: %v", err)
	}
	if detail != "" {
		return detail
	}
	return "ok"
}

func sockaddr(addr string) (syscall.Sockaddr, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip := net.ParseIP(host).To4()
	p, err := strconv.Atoi(port)
	if ip == nil || err != nil {
		return nil, fmt.Errorf("bad IPv4 address %q", addr)
	}
	sa := &syscall.SockaddrInet4{Port: p}
	copy(sa.Addr[:], ip)
	return sa, nil
}

// prepare makes the descriptor (and address) an fd operation works on; the
// main module does it, so only the operation itself is WHO's.
func prepare(op string, args []string) (fd int, sa syscall.Sockaddr, err error) {
	fd = -1
	switch op {
	case "connect-fd", "sendto-fd":
		if len(args) < 1 {
			return -1, nil, fmt.Errorf("%s needs an address", op)
		}
		if sa, err = sockaddr(args[0]); err != nil {
			return -1, nil, err
		}
		typ := syscall.SOCK_STREAM
		if op == "sendto-fd" {
			typ = syscall.SOCK_DGRAM
		}
		fd, err = syscall.Socket(syscall.AF_INET, typ, 0)
	case "listen-fd":
		if fd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0); err == nil {
			err = syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
		}
	case "ioctl", "fcntl":
		if len(args) < 1 {
			return -1, nil, fmt.Errorf("%s needs a path", op)
		}
		fd, err = syscall.Open(args[0], syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		err = fmt.Errorf("main: preparing %s: %w", op, err)
	}
	return fd, sa, err
}

func dispatch(w []string) (string, error) {
	if len(w) < 2 {
		return "", fmt.Errorf("bad spec %q (want WHO OP [ARGS])", strings.Join(w, " "))
	}
	who, op, args := w[0], w[1], w[2:]
	var detail string
	sub := func() (err error) {
		detail, err = dispatch(args)
		return err
	}
	switch {
	case who == "p" && op == "call":
		err := poisoned.Call(sub)
		return detail, err
	case who == "p" && op == "go":
		err := poisoned.Go(sub)
		return detail, err
	case who == "p" && op == "chan":
		got := <-poisoned.Produce(args)
		return dispatch(got)
	case op == "deep":
		if len(args) < 1 {
			return "", fmt.Errorf("deep needs a depth")
		}
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return "", err
		}
		args = args[1:]
		if who == "p" {
			err = poisoned.Deep(n, sub)
		} else {
			err = own.Deep(n, sub)
		}
		return detail, err
	case who == "self":
		switch op {
		case "reexec":
			return reexec(args)
		case "sh":
			cmd := exec.Command("/bin/sh", "-c", strings.Join(args, " "))
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			return "", cmd.Run()
		case "sleep":
			s := 3600
			if len(args) > 0 {
				s, _ = strconv.Atoi(args[0])
			}
			fmt.Printf("sleeping %d\n", os.Getpid())
			time.Sleep(time.Duration(s) * time.Second)
			return "", nil
		case "exit":
			n := 0
			if len(args) > 0 {
				n, _ = strconv.Atoi(args[0])
			}
			os.Exit(n)
		case "kill-self":
			killSelf()
		}
	}

	fd, sa, err := prepare(op, args)
	if err != nil {
		return "", err
	}
	if fd >= 0 {
		defer syscall.Close(fd)
	}
	switch who {
	case "self":
		return "", own.Op(op, args, fd, sa)
	case "foo":
		return "", foo.Op(op, args)
	case "y":
		if len(args) < 1 {
			return "", fmt.Errorf("y %s: missing argument", op)
		}
		switch op {
		case "open-read":
			return "", yaml.OpenRead(args[0])
		case "exec-sys":
			return "", yaml.ExecSys(args[0], args[1:]...)
		}
		return "", fmt.Errorf("y supports only open-read PATH and exec-sys PROG [ARGS]")
	case "p":
		return "", poisonedOp(op, args, fd, sa)
	}
	return "", fmt.Errorf("unknown WHO %q", who)
}

func argN(args []string, n int) []string {
	for len(args) < n {
		args = append(args, "")
	}
	return args
}

func poisonedOp(op string, args []string, fd int, sa syscall.Sockaddr) error {
	a := argN(args, 2)
	pid, _ := strconv.Atoi(a[0])
	switch op {
	case "open-read":
		_, err := poisoned.OpenRead(a[0])
		return err
	case "open-write":
		return poisoned.OpenWrite(a[0], []byte("poisoned\n"))
	case "create":
		return poisoned.Create(a[0])
	case "unlink":
		return poisoned.Unlink(a[0])
	case "rename":
		return poisoned.Rename(a[0], a[1])
	case "mkdir":
		return poisoned.Mkdir(a[0])
	case "rmdir":
		return poisoned.Rmdir(a[0])
	case "chmod":
		return poisoned.Chmod(a[0])
	case "chown":
		return poisoned.Chown(a[0])
	case "truncate":
		return poisoned.Truncate(a[0])
	case "stat":
		return poisoned.Stat(a[0])
	case "readlink":
		return poisoned.Readlink(a[0])
	case "symlink":
		return poisoned.Symlink(a[0], a[1])
	case "link":
		return poisoned.Link(a[0], a[1])
	case "mkfifo":
		return poisoned.Mkfifo(a[0])
	case "exec":
		return poisoned.Exec(a[0], args[1:]...)
	case "spawn":
		return poisoned.Spawn(a[0], args[1:]...)
	case "exec-sys":
		return poisoned.ExecSys(a[0], args[1:]...)
	case "connect":
		return poisoned.Connect(a[0])
	case "connect-fd":
		return poisoned.ConnectFD(fd, sa)
	case "listen-fd":
		return poisoned.ListenFD(fd)
	case "sendto-fd":
		return poisoned.SendToFD(fd, sa)
	case "socket-unix", "socket-raw", "socket-netlink", "socket-packet":
		return poisoned.Socket(own.SocketArgs(op))
	case "kill":
		return poisoned.Kill(pid)
	case "ptrace":
		return poisoned.Ptrace(pid)
	case "setuid":
		return poisoned.Setuid(0)
	case "mmap-exec":
		return poisoned.MmapExec()
	case "mprotect-exec":
		return poisoned.MprotectExec()
	case "ioctl":
		return poisoned.Ioctl(fd)
	case "fcntl":
		return poisoned.Fcntl(fd)
	case "mount":
		return poisoned.Mount(a[0])
	case "bpf":
		return poisoned.BPF()
	}
	return fmt.Errorf("p: unknown operation %q", op)
}

// reexec runs /proc/self/exe (the same binary: it stays in the jail) with
// args, after leading K=V words that extend its environment.
func reexec(args []string) (string, error) {
	env := os.Environ()
	for len(args) > 0 && strings.Contains(args[0], "=") {
		env = append(env, args[0])
		args = args[1:]
	}
	cmd := exec.Command("/proc/self/exe", args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Sprintf("exit %d pid %d", ee.ExitCode(), cmd.Process.Pid), nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("exit 0 pid %d", cmd.Process.Pid), nil
}
