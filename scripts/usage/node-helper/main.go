// boxfleet-usage: the node's ledger of per-user traffic. It reads the stats build's
// counters (sing-box's V2Ray API, QueryStats over HTTP/2 without TLS on loopback) and adds
// what grew since the last read to totals kept in one file, so nothing counted is lost when
// sing-box restarts, the node reboots or the collector is away for days.
//
// It never resets sing-box's counters: it remembers the values it last saw (`base`) for the
// sing-box process they belong to (PID and start time) and adds only the growth. A helper
// that dies before its rename leaves the file as it was, and the next read counts the same
// growth again from the same base: nothing lost, nothing twice. A new process starts its
// counters at zero, so its values are growth in full; what an old process counted after the
// last read is lost unless it was read before the restart, which is why the node script
// folds before every restart it makes and on every watchdog tick.
//
//	boxfleet-usage fold  --ledger FILE --api ADDR --pid PID   add the growth, print nothing
//	boxfleet-usage read  --ledger FILE --api ADDR --pid PID   fold, count a read, print the ledger's totals
//	boxfleet-usage ack SEQ --ledger FILE                      the collector stored read SEQ
//
// The standard library only: built reproducibly beside the stats build and pinned with it.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Pair is bytes from the user (up) and to the user (down).
type Pair struct {
	Up   int64 `json:"up"`
	Down int64 `json:"down"`
}

// Ledger is the file's content.
type Ledger struct {
	// A random id made with the file: totals from another ledger are not comparable.
	Ledger string `json:"ledger"`
	// Reads so far, and the last one the collector said it stored.
	Seq   int64 `json:"seq"`
	Acked int64 `json:"acked"`
	// The sing-box process `base` belongs to: "pid:start time in clock ticks".
	Process string          `json:"process"`
	Base    map[string]Pair `json:"base"`
	// Everything counted since the ledger began, per config entry name.
	Totals map[string]Pair `json:"totals"`
}

const (
	service     = "/v2ray.core.app.stats.command.StatsService/QueryStats"
	maxResponse = 16 << 20
	maxEntries  = 100000
)

var counterName = regexp.MustCompile(`^user>>>([a-z0-9][a-z0-9~-]{0,63})>>>traffic>>>(uplink|downlink)$`)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd := os.Args[1]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	ledgerPath := fs.String("ledger", "/var/lib/boxfleet/usage.json", "the ledger file")
	api := fs.String("api", "127.0.0.1:9091", "the V2Ray API's address")
	pid := fs.Int("pid", 0, "sing-box's PID (0: not running)")
	args := os.Args[2:]
	var seq int64
	if cmd == "ack" {
		if len(args) < 1 {
			usage()
		}
		n, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || n < 1 {
			fail(2, "ack needs the read's sequence number")
		}
		seq, args = n, args[1:]
	}
	_ = fs.Parse(args)
	if fs.NArg() != 0 {
		usage()
	}
	unlock, err := lock(*ledgerPath + ".lock")
	if err != nil {
		fail(1, err.Error())
	}
	defer unlock()
	l, err := load(*ledgerPath)
	if err != nil {
		fail(1, err.Error())
	}
	switch cmd {
	case "fold", "read":
		if err := fold(l, *api, *pid); err != nil {
			fail(1, err.Error())
		}
		if cmd == "read" {
			l.Seq++
		}
	case "ack":
		if seq > l.Seq {
			fail(1, fmt.Sprintf("read %d has not happened (the last is %d)", seq, l.Seq))
		}
		if seq > l.Acked {
			l.Acked = seq
		}
	default:
		usage()
	}
	if err := save(*ledgerPath, l); err != nil {
		fail(1, err.Error())
	}
	if cmd == "read" {
		out, _ := json.Marshal(map[string]any{"ledger": l.Ledger, "seq": l.Seq, "acked": l.Acked, "totals": l.Totals})
		fmt.Println(string(out))
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: boxfleet-usage fold|read [--ledger FILE] [--api ADDR] [--pid PID] | ack SEQ [--ledger FILE]")
	os.Exit(2)
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, "boxfleet-usage: "+msg)
	os.Exit(code)
}

// fold adds the counters' growth since the last fold to the totals.
func fold(l *Ledger, api string, pid int) error {
	before := processOf(pid)
	if before == "" {
		// Not running: its counters are gone; the next process starts from zero.
		l.Process, l.Base = "", map[string]Pair{}
		return nil
	}
	now, err := query(api)
	if err != nil {
		return err
	}
	if processOf(pid) != before {
		return errors.New("sing-box restarted while its counters were read; read again")
	}
	base := l.Base
	if l.Process != before {
		base = map[string]Pair{}
	}
	for name, v := range now {
		b := base[name]
		t := l.Totals[name]
		// A counter never shrinks within one process; if it seems to, count it afresh.
		if v.Up >= b.Up {
			t.Up += v.Up - b.Up
		} else {
			t.Up += v.Up
		}
		if v.Down >= b.Down {
			t.Down += v.Down - b.Down
		} else {
			t.Down += v.Down
		}
		l.Totals[name] = t
	}
	l.Process, l.Base = before, now
	return nil
}

// processOf names a running process by PID and start time (PIDs are reused).
func processOf(pid int) string {
	if pid <= 0 {
		return ""
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 20 || f[0] == "Z" {
		return ""
	}
	return fmt.Sprintf("%d:%s", pid, f[19])
}

// query asks QueryStats (no reset) and returns the users' counters.
func query(api string) (map[string]Pair, error) {
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{Protocols: protocols}, Timeout: 10 * time.Second}
	// An empty QueryStatsRequest: every counter, none reset. gRPC frames it: flag, length.
	req, _ := http.NewRequest(http.MethodPost, "http://"+api+service, bytes.NewReader([]byte{0, 0, 0, 0, 0}))
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the stats service does not answer (is this the stats build?): %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, err
	}
	status := resp.Trailer.Get("Grpc-Status")
	if status == "" {
		status = resp.Header.Get("Grpc-Status")
	}
	if status != "0" {
		return nil, fmt.Errorf("QueryStats failed: grpc-status %q %s", status, resp.Trailer.Get("Grpc-Message"))
	}
	if len(body) > maxResponse || len(body) < 5 || int(binary.BigEndian.Uint32(body[1:5])) != len(body)-5 {
		return nil, errors.New("QueryStats answered a malformed message")
	}
	return decode(body[5:])
}

// decode reads QueryStatsResponse { repeated Stat stat = 1 }, Stat { string name = 1; int64 value = 2 }.
func decode(b []byte) (map[string]Pair, error) {
	out := map[string]Pair{}
	err := fields(b, func(num int, v uint64, raw []byte) error {
		if num != 1 || raw == nil {
			return nil
		}
		var name string
		var value int64
		if err := fields(raw, func(n int, v uint64, r []byte) error {
			if n == 1 && r != nil {
				name = string(r)
			} else if n == 2 && r == nil {
				value = int64(v)
			}
			return nil
		}); err != nil {
			return err
		}
		m := counterName.FindStringSubmatch(name)
		if m == nil || value < 0 {
			return nil
		}
		if len(out) >= maxEntries {
			return errors.New("more counters than any node has users")
		}
		p := out[m[1]]
		if m[2] == "uplink" {
			p.Up = value
		} else {
			p.Down = value
		}
		out[m[1]] = p
		return nil
	})
	return out, err
}

// fields walks a protobuf message: varints (raw nil) and length-delimited fields.
func fields(b []byte, fn func(num int, v uint64, raw []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("malformed protobuf key")
		}
		b = b[n:]
		switch key & 7 {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errors.New("malformed protobuf varint")
			}
			b = b[n:]
			if err := fn(int(key>>3), v, nil); err != nil {
				return err
			}
		case 2:
			size, n := binary.Uvarint(b)
			if n <= 0 || size > uint64(len(b)-n) {
				return errors.New("malformed protobuf length")
			}
			raw := b[n : n+int(size)]
			b = b[n+int(size):]
			if err := fn(int(key>>3), 0, raw); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected protobuf wire type %d", key&7)
		}
	}
	return nil
}

func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

func load(path string) (*Ledger, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		id := make([]byte, 8)
		if _, err := rand.Read(id); err != nil {
			return nil, err
		}
		return &Ledger{Ledger: hex.EncodeToString(id), Base: map[string]Pair{}, Totals: map[string]Pair{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var l Ledger
	if err := json.Unmarshal(data, &l); err != nil || l.Ledger == "" {
		// Never start over silently: totals would be counted again from zero.
		return nil, fmt.Errorf("%s is not a usage ledger; move it aside to start a new one", path)
	}
	if l.Base == nil {
		l.Base = map[string]Pair{}
	}
	if l.Totals == nil {
		l.Totals = map[string]Pair{}
	}
	return &l, nil
}

// save writes the ledger whole, synced, and renames it into place.
func save(path string, l *Ledger) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}
