// Compares Go module versions with golang.org/x/mod/semver.
// stdin: "a\tb" lines; stdout: "<cmp> <a_valid> <b_valid>" lines
// (semver.Compare orders invalid versions too, so cmp is always given).
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
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
		fmt.Fprintf(out, "%d %d %d\n", semver.Compare(a, c), b(semver.IsValid(a)), b(semver.IsValid(c)))
	}
}
