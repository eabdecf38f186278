// victim: the Go program bpfjail's tests confine. It runs one operation named
// by its first argument, either through the third-party module
// example.com/poisoned or through its own code (the "self-" variants):
//
//	victim exec [PROG [ARG...]]       poisoned.Exec (default /bin/true)
//	victim open-read [PATH]           poisoned.OpenRead (default /etc/passwd)
//	victim open-write [PATH]          poisoned.OpenWrite (default $TMPDIR/victim-write)
//	victim connect [HOST:PORT]        poisoned.Connect (default 127.0.0.1:9)
//	victim open-loop [PATH [N]]       poisoned.OpenLoop (default N 100000)
//	victim self-exec|self-open-read|self-open-write|self-connect|self-open-loop ...
//	                                  the same from the main module (internal/own)
//	victim callback-open-read [PATH]  poisoned.Call(own.OpenRead): poisoned is a caller
//	victim goroutine-open-read [PATH] poisoned.Go(own.OpenRead): new goroutine
//	victim inlined-open-read [PATH]   poisoned.Small, inlined into main.main
//	victim modules                    call every other test module (loader fixtures)
//	victim inl                        inl.Mix, inlined into main.main
//	victim sleep [SECONDS]            sleep (default 3600), for attach tests
//	victim wait CMD [ARG...]          print "ready PID", read a line from stdin, run CMD
//	victim serve | loop MS MAIN CONF  long-running victims for attach tests (serve.go)
//
// On success it prints "ok CMD[: detail]" and exits 0. On failure it prints
// "victim: CMD: ERROR (errno=N NAME)" on stderr and exits 1 (errno=0 none if
// the error carries no errno). Usage errors exit 2.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"example.com/foo"
	foosub "example.com/foo/sub"
	"example.com/foobar"
	"example.com/generic"
	"example.com/inl"
	"example.com/poisoned"
	"example.com/victim/internal/own"
	"example.com/yaml.v3"
	"go.example.com/gomod"
	"golang.org/x/net/xnettest"
)

func arg(args []string, i int, def string) string {
	if i < len(args) {
		return args[i]
	}
	return def
}

func errnoOf(err error) (int, string) {
	var en syscall.Errno
	if errors.As(err, &en) {
		return int(en), errnoName(en)
	}
	return 0, "none"
}

func errnoName(en syscall.Errno) string {
	switch en {
	case syscall.EPERM:
		return "EPERM"
	case syscall.EACCES:
		return "EACCES"
	case syscall.ENOENT:
		return "ENOENT"
	case syscall.ECONNREFUSED:
		return "ECONNREFUSED"
	case syscall.ENETUNREACH:
		return "ENETUNREACH"
	}
	return "E?"
}

func result(cmd, detail string, err error) {
	if err != nil {
		n, name := errnoOf(err)
		fmt.Fprintf(os.Stderr, "victim: %s: %v (errno=%d %s)\n", cmd, err, n, name)
		os.Exit(1)
	}
	if detail != "" {
		fmt.Printf("ok %s: %s\n", cmd, detail)
	} else {
		fmt.Printf("ok %s\n", cmd)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: victim exec|open-read|open-write|connect|open-loop|self-...|callback-open-read|goroutine-open-read|inlined-open-read|modules|inl|sleep|wait [ARGS...]")
	os.Exit(2)
}

func loopCount(args []string) int {
	n, err := strconv.Atoi(arg(args, 1, "100000"))
	if err != nil || n < 0 {
		usage()
	}
	return n
}

//go:noinline
func modules() string {
	y := yaml.Marshal(map[string]int{"B": 2, "A": 1})
	m := generic.Map([]int{1, 2, 3}, strconv.Itoa)
	l := generic.Map([]string{"x", "yy"}, func(s string) int { return len(s) })
	var st generic.Stack[string]
	st.Push(foo.Foo("a"))
	st.Push(foosub.Sub("b"))
	st.Push(foobar.FooBar("c"))
	st.Push(gomod.Hello("d"))
	st.Push(xnettest.Hello("e"))
	var si generic.Stack[int]
	si.Push(generic.Sum(l))
	top, _ := st.Pop()
	n, _ := si.Pop()
	return fmt.Sprintf("%q %v %v %s %d %.1f", y, m, l, top, n, generic.Sum([]float64{0.5, 1}))
}

func run(args []string) {
	if len(args) == 0 {
		usage()
	}
	cmd := args[0]
	defWrite := filepath.Join(os.TempDir(), "victim-write")
	switch cmd {
	case "exec":
		result(cmd, "", poisoned.Exec(arg(args, 1, "/bin/true"), argsFrom(args, 2)...))
	case "self-exec":
		result(cmd, "", own.Exec(arg(args, 1, "/bin/true"), argsFrom(args, 2)...))
	case "open-read":
		n, err := poisoned.OpenRead(arg(args, 1, "/etc/passwd"))
		result(cmd, strconv.Itoa(n)+" bytes", err)
	case "self-open-read":
		n, err := own.OpenRead(arg(args, 1, "/etc/passwd"))
		result(cmd, strconv.Itoa(n)+" bytes", err)
	case "open-write":
		result(cmd, "", poisoned.OpenWrite(arg(args, 1, defWrite), []byte("poisoned\n")))
	case "self-open-write":
		result(cmd, "", own.OpenWrite(arg(args, 1, defWrite), []byte("own\n")))
	case "connect":
		result(cmd, "", poisoned.Connect(arg(args, 1, "127.0.0.1:9")))
	case "self-connect":
		result(cmd, "", own.Connect(arg(args, 1, "127.0.0.1:9")))
	case "open-loop":
		result(cmd, "", poisoned.OpenLoop(arg(args, 1, "/etc/passwd"), loopCount(args[1:])))
	case "self-open-loop":
		result(cmd, "", own.OpenLoop(arg(args, 1, "/etc/passwd"), loopCount(args[1:])))
	case "callback-open-read":
		var n int
		err := poisoned.Call(func() (err error) {
			n, err = own.OpenRead(arg(args, 1, "/etc/passwd"))
			return err
		})
		result(cmd, strconv.Itoa(n)+" bytes", err)
	case "goroutine-open-read":
		var n int
		err := poisoned.Go(func() (err error) {
			n, err = own.OpenRead(arg(args, 1, "/etc/passwd"))
			return err
		})
		result(cmd, strconv.Itoa(n)+" bytes", err)
	case "modules":
		result(cmd, modules(), nil)
	case "sleep":
		s, err := strconv.Atoi(arg(args, 1, "3600"))
		if err != nil {
			usage()
		}
		time.Sleep(time.Duration(s) * time.Second)
		result(cmd, "", nil)
	case "wait":
		fmt.Printf("ready %d\n", os.Getpid())
		bufio.NewReader(os.Stdin).ReadString('\n')
		run(args[1:])
	default:
		if !extra(args) && !attachExtra(args) { // multi.go: multi, exit, kill-self; serve.go: serve, loop
			usage()
		}
	}
}

func argsFrom(args []string, i int) []string {
	if i < len(args) {
		return args[i:]
	}
	return nil
}

// main handles the two subcommands whose callee must be inlined into main.main
// itself (the loader tests look for inl.Mix's code inside main.main).
func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "inl":
			result("inl", strconv.Itoa(inl.Mix(len(os.Args), len(os.Args[1]))), nil)
			return
		case "inlined-open-read":
			path := "/etc/passwd"
			if len(os.Args) > 2 {
				path = os.Args[2]
			}
			p, err := syscall.BytePtrFromString(path)
			if err != nil {
				usage()
			}
			fd, en := poisoned.Small(p)
			if en != 0 {
				result("inlined-open-read", "", en)
			}
			syscall.Close(int(fd))
			result("inlined-open-read", "", nil)
			return
		}
	}
	run(os.Args[1:])
}
