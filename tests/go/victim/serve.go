package main

// Subcommands for the attach tests (tests/host/attach.sh, tests/vm/attach.sh):
// a long-running victim that bpfjail attaches to while it runs.
//
//	victim serve
//	    print "pid PID", then read SPEC lines (the SPECs of multi.go) from
//	    stdin and run each, printing "R SPEC => RESULT"; exit 0 at EOF.
//	    The test decides when each operation happens.
//	victim loop MS MAINSPEC CONFSPEC
//	    print "pid PID", then every MS milliseconds run MAINSPEC and print
//	    "L N main => RESULT"; once a line arrives on stdin, also run
//	    CONFSPEC in every iteration ("L N conf => RESULT"). Exit 0 at EOF.
//
// Both print nothing else on stdout, so a killed victim's output ends with
// the last operation that completed.

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// attachExtra runs the subcommands of this file; false if args[0] is not one.
func attachExtra(args []string) bool {
	switch args[0] {
	case "serve":
		serve()
	case "loop":
		loop(args[1:])
	default:
		return false
	}
	os.Exit(0)
	return true
}

func specResult(spec string) string {
	detail, err := dispatch(strings.Fields(spec))
	return describe(detail, err)
}

func serve() {
	fmt.Printf("pid %d\n", os.Getpid())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		spec := strings.TrimSpace(sc.Text())
		if spec == "" {
			continue
		}
		fmt.Printf("R %s => %s\n", spec, specResult(spec))
	}
}

func loop(args []string) {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: victim loop MS MAINSPEC CONFSPEC")
		os.Exit(2)
	}
	ms, err := strconv.Atoi(args[0])
	if err != nil || ms < 0 {
		fmt.Fprintln(os.Stderr, "victim: loop: MS must be a number of milliseconds")
		os.Exit(2)
	}
	var conf int32
	go func() {
		r := bufio.NewReader(os.Stdin)
		for {
			if _, err := r.ReadString('\n'); err != nil {
				os.Exit(0)
			}
			atomic.StoreInt32(&conf, 1)
		}
	}()
	fmt.Printf("pid %d\n", os.Getpid())
	for n := 1; ; n++ {
		fmt.Printf("L %d main => %s\n", n, specResult(args[1]))
		if atomic.LoadInt32(&conf) != 0 {
			fmt.Printf("L %d conf => %s\n", n, specResult(args[2]))
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
}
