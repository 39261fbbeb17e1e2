// Compares Alpine versions with go-apk-version (a Go port of apk-tools 2.x
// version.c). stdin: "a\tb" lines; stdout: "<cmp> <a_valid> <b_valid>".
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	version "github.com/knqyf263/go-apk-version"
)

func b(v bool) int {
	if v {
		return 1
	}
	return 0
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		a, c, _ := strings.Cut(in.Text(), "\t")
		fmt.Fprintf(out, "%d %d %d\n", version.Version(a).Compare(version.Version(c)), b(version.Valid(a)), b(version.Valid(c)))
	}
}
