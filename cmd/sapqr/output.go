package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
)

// writeAtomically writes what render produces to path, through a
// temporary file beside it that is moved into place only when render
// succeeds, so a failed run leaves no file (and never half a PDF or a
// truncated table). "-" writes to stdout instead, buffered whole so that
// a failed render writes nothing there either. It returns render's error
// or the file system's.
func writeAtomically(stdout io.Writer, path string, render func(io.Writer) error) error {
	if path == "-" {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			return err
		}
		_, err := buf.WriteTo(stdout)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	w := bufio.NewWriterSize(tmp, 256<<10)
	if err := render(w); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { // CreateTemp makes it private
		return err
	}
	return os.Rename(tmp.Name(), path)
}
