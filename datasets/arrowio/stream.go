package arrowio

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// messages reads the Arrow IPC stream framing (continuation marker, metadata
// length, flatbuffer metadata, body) and checks every declared length
// against the bytes left in the file before allocating, which arrow-go's own
// message reader does not do. It implements ipc.MessageReader.
type messages struct {
	r    io.Reader
	left int64 // bytes of the file not yet read
	msg  *ipc.Message
	refs int64
	n    int // messages read
}

func newMessages(r io.Reader, size int64) *messages {
	return &messages{r: r, left: size, refs: 1}
}

func (m *messages) read(n int64, what string) ([]byte, error) {
	if n < 0 || n > m.left {
		return nil, fmt.Errorf("%s declares %d bytes but only %d remain in the file", what, n, m.left)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(m.r, buf); err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	m.left -= n
	return buf, nil
}

// Message returns the next message, or io.EOF at the end-of-stream
// marker. The marker is optional in the Arrow spec, but pyarrow (hence HF
// datasets) and arrow-go always write it; a stream that stops without it
// after its schema is reported as truncated, since a cut exactly between
// two messages would otherwise lose rows silently.
func (m *messages) Message() (*ipc.Message, error) {
	if m.msg != nil {
		m.msg.Release()
		m.msg = nil
	}
	if m.left == 0 && m.n > 0 {
		return nil, fmt.Errorf("the stream ends after %d messages without its end-of-stream marker (truncated?)", m.n)
	}
	m.n++
	b, err := m.read(4, "message header")
	if err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(b)
	if n == 0xFFFFFFFF { // continuation marker, then the length
		if b, err = m.read(4, "message length"); err != nil {
			return nil, err
		}
		n = binary.LittleEndian.Uint32(b)
	}
	if n == 0 {
		return nil, io.EOF
	}
	if int32(n) < 0 {
		return nil, fmt.Errorf("negative message length %d", int32(n))
	}
	meta, err := m.read(int64(n), "message metadata")
	if err != nil {
		return nil, err
	}
	if err := checkMessage(meta); err != nil {
		return nil, err
	}
	metaBuf := memory.NewBufferBytes(meta)
	head := ipc.NewMessage(metaBuf, memory.NewBufferBytes(nil))
	bodyLen := head.BodyLen()
	head.Release()
	body, err := m.read(bodyLen, "message body")
	if err != nil {
		return nil, err
	}
	m.msg = ipc.NewMessage(metaBuf, memory.NewBufferBytes(body))
	return m.msg, nil
}

func (m *messages) Retain() { m.refs++ }

func (m *messages) Release() {
	m.refs--
	if m.refs == 0 && m.msg != nil {
		m.msg.Release()
		m.msg = nil
	}
}

// checkFileFormat verifies the footer of an Arrow IPC file and the metadata
// of every message it indexes before arrow-go reads them (see fbcheck).
func checkFileFormat(r io.ReaderAt, size int64) error {
	const tail = 10 // int32 footer length + "ARROW1"
	if size < 8+tail {
		return fmt.Errorf("file of %d bytes is too short for the Arrow file format", size)
	}
	t := make([]byte, tail)
	if _, err := r.ReadAt(t, size-tail); err != nil {
		return err
	}
	if string(t[4:]) != string(magicFile) {
		return fmt.Errorf("no ARROW1 magic at the end (truncated?)")
	}
	n := int64(int32(binary.LittleEndian.Uint32(t)))
	if n <= 0 || n > size-tail-8 {
		return fmt.Errorf("footer length %d does not fit the %d-byte file", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-tail-n); err != nil {
		return err
	}
	batches, dicts, err := checkFooter(footer)
	if err != nil {
		return fmt.Errorf("footer: %v", err)
	}
	end := size - tail - n
	for _, b := range append(dicts, batches...) {
		if b.offset < 0 || b.meta < 8 || b.body < 0 || b.offset > end || int64(b.meta) > end-b.offset || b.body > end-b.offset-int64(b.meta) {
			return fmt.Errorf("block at offset %d (metadata %d, body %d bytes) lies outside the data", b.offset, b.meta, b.body)
		}
		meta := make([]byte, b.meta)
		if _, err := r.ReadAt(meta, b.offset); err != nil {
			return err
		}
		prefix := 0
		switch binary.LittleEndian.Uint32(meta) {
		case 0:
		case 0xFFFFFFFF:
			prefix = 8
		default:
			prefix = 4
		}
		if err := checkMessage(meta[prefix:]); err != nil {
			return fmt.Errorf("message at offset %d: %v", b.offset, err)
		}
	}
	return nil
}
