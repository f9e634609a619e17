//! The throwaway clusters: initdb, start, stop, kill -9 of a backend or of
//! the postmaster; a streaming standby (pg_basebackup), its promotion.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use postgres::{Client, Config, NoTls, Row};

use crate::{Args, Fallible, DATABASE};

/// Longest wait for the server to accept connections or to reset.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Polls of pg_stat_activity (1 ms apart) for a backend inside wms_place_order.
const KILL_POLLS: u32 = 5000;

/// A cluster in a directory, listening only on a Unix socket there.
/// Dropping it stops the server (fast) if it runs; the directory stays for
/// the caller.
pub struct Cluster {
    dir: PathBuf,
    pg_bin: PathBuf,
    os_user: String,
    port: u16,
    max_connections: usize,
    /// Server programs run through `runuser` (as root for another user).
    runuser: bool,
}

impl Cluster {
    /// Create `dir` (mode 755, owned by the OS user) and initdb in DIR/data.
    pub fn create(args: &Args, dir: &Path, port: u16) -> Fallible<Cluster> {
        let cluster = Cluster::prepare(args, dir, port)?;
        // --no-sync only skips initdb's final flush to disk; the server
        // runs with fsync and synchronous_commit on, their defaults.
        run_command(cluster.pg("initdb").arg("-D").arg(cluster.data()).args([
            "-U",
            &cluster.os_user,
            "-A",
            "trust",
            // wms needs a UTF8 database, whatever the machine's locale.
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]))?;
        Ok(cluster)
    }

    /// The directory, ready for a data directory, and the cluster in it.
    fn prepare(args: &Args, dir: &Path, port: u16) -> Fallible<Cluster> {
        let os_user = args.os_user.clone().ok_or("--os-user is needed")?;
        let runuser = needs_runuser(&os_user)?;
        prepare_dir(dir, runuser.then_some(os_user.as_str()))?;
        Ok(Cluster {
            dir: fs::canonicalize(dir)?,
            pg_bin: args.pg_bin.clone().ok_or("--pg-bin is needed")?,
            os_user,
            port,
            // The clients, a monitor, a verifier, a standby, and room to spare.
            max_connections: args.clients + 10,
            runuser,
        })
    }

    /// A streaming standby of `primary` in `dir` (emptied first), copied
    /// with pg_basebackup -R; not started.
    pub fn standby_of(primary: &Cluster, args: &Args, dir: &Path, port: u16) -> Fallible<Cluster> {
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
        let standby = Cluster::prepare(args, dir, port)?;
        run_command(
            standby
                .pg("pg_basebackup")
                .arg("-h")
                .arg(&primary.dir)
                .arg("-p")
                .arg(primary.port.to_string())
                .args(["-U", &standby.os_user, "-D"])
                .arg(standby.data())
                .args(["-R", "-X", "stream", "-c", "fast"]),
        )?;
        Ok(standby)
    }

    /// Promote this standby and wait until it accepts writes.
    pub fn promote(&self) -> Fallible<()> {
        run_command(
            self.pg("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .args(["-w", "-t", "60", "promote"]),
        )
    }

    /// kill -9 of the postmaster; returns its pid once it and every
    /// process it had started are gone (they end on their own as they see
    /// it die: none answers a client again, none acknowledges a commit).
    pub fn kill_postmaster(&self) -> Fallible<i32> {
        let pid_file = fs::read_to_string(self.data().join("postmaster.pid"))?;
        let pid: i32 = pid_file
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .ok_or("no pid in postmaster.pid")?;
        let children = children_of(pid);
        run_command(Command::new("kill").args(["-KILL", &pid.to_string()]))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        while std::iter::once(pid)
            .chain(children.iter().copied())
            .any(alive)
        {
            if Instant::now() > deadline {
                return Err(format!(
                    "postmaster {pid} or one of its processes still there after kill -9"
                )
                .into());
            }
            thread::sleep(Duration::from_millis(5));
        }
        // The data directory is given up: nothing stops it when dropped.
        fs::remove_file(self.data().join("postmaster.pid"))?;
        Ok(pid)
    }

    /// Whether a standby is synchronous for this primary right now.
    pub fn has_synchronous_standby(&self, db: &mut Client) -> Fallible<bool> {
        Ok(!db
            .query(
                "SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync' AND state = 'streaming' \
                    AND current_setting('synchronous_standby_names') <> ''",
                &[],
            )?
            .is_empty())
    }

    /// Wait until a standby streams from this primary.
    pub fn wait_for_streaming(&self, db: &mut Client) -> Fallible<()> {
        wait_for_row(
            db,
            "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'",
            &format!("no standby streams from port {}", self.port),
        )
        .map(drop)
    }

    /// Stop this standby's WAL receiver (SIGSTOP): it receives nothing
    /// until [`resume`]. Returns its pid.
    pub fn pause_wal_receiver(&self) -> Fallible<i32> {
        let pid: i32 = wait_for_row(
            &mut self.connect("postgres")?,
            "SELECT pid FROM pg_stat_wal_receiver WHERE status = 'streaming'",
            "the standby's WAL receiver does not stream",
        )?
        .get(0);
        run_command(Command::new("kill").args(["-STOP", &pid.to_string()]))?;
        Ok(pid)
    }

    /// Wait until a standby streams from this primary, then make it the
    /// synchronous one: from here on a commit is acknowledged only once
    /// the standby has it on disk (synchronous_commit = on, the default).
    pub fn make_standby_synchronous(&self, db: &mut Client) -> Fallible<()> {
        self.wait_for_streaming(db)?;
        db.batch_execute("ALTER SYSTEM SET synchronous_standby_names = '*'")?;
        db.batch_execute("SELECT pg_reload_conf()")?;
        wait_for_row(
            db,
            "SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'",
            "the standby did not become synchronous",
        )
        .map(drop)
    }

    /// A promoted standby has no standby of its own yet: its commits must
    /// not wait for one, should its copy have carried the setting.
    pub fn alone(&self, db: &mut Client) -> Fallible<()> {
        db.batch_execute("ALTER SYSTEM RESET synchronous_standby_names")?;
        db.batch_execute("SELECT pg_reload_conf()")?;
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// A program of --pg-bin, run as the OS user.
    fn pg(&self, program: &str) -> Command {
        let path = self.pg_bin.join(program);
        if self.runuser {
            let mut command = Command::new("runuser");
            command.args(["-u", &self.os_user, "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    /// Start the server and wait until it accepts connections.
    pub fn start(&self) -> Fallible<()> {
        let options = format!(
            "-c listen_addresses='' -c port={} -c unix_socket_directories='{}' \
             -c max_connections={} -c restart_after_crash=on -c shared_preload_libraries=wms",
            self.port,
            self.dir.display(),
            self.max_connections
        );
        run_command(
            self.pg("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .arg("-l")
                .arg(self.log())
                .args(["-o", &options, "-w", "-t", "60", "start"]),
        )
        .map_err(|e| {
            format!(
                "{e}\nend of {}:\n{}",
                self.log().display(),
                log_tail(&self.log())
            )
            .into()
        })
    }

    /// Stop the server in `mode` (fast, immediate) and wait until it is gone.
    pub fn stop(&self, mode: &str) -> Fallible<()> {
        run_command(
            self.pg("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .args(["-m", mode, "-w", "-t", "60", "stop"]),
        )
    }
}

/// Where the clients connect: a cluster of this tool, or one run by others
/// (`External`, reached through a connection string).
pub trait Server {
    fn config(&self, dbname: &str) -> Config;

    /// A connection as soon as the server takes one (it may be recovering,
    /// or failing over).
    fn connect(&self, dbname: &str) -> Fallible<Client> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match self.config(dbname).connect(NoTls) {
                Ok(client) => return Ok(client),
                Err(e) if Instant::now() > deadline => {
                    return Err(format!("no connection within {READY_TIMEOUT:?}: {e}").into())
                }
                Err(_) => thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}

/// A server this tool does not run: a connection string (several hosts
/// with target_session_attrs=read-write find the primary of a cluster).
pub struct External(pub Config);

impl Server for External {
    fn config(&self, dbname: &str) -> Config {
        let mut config = self.0.clone();
        config
            .dbname(dbname)
            .connect_timeout(Duration::from_secs(10));
        config
    }
}

impl Server for Cluster {
    fn config(&self, dbname: &str) -> Config {
        let mut config = Config::new();
        config
            .host_path(&self.dir)
            .port(self.port)
            .user(&self.os_user)
            .dbname(dbname)
            .connect_timeout(Duration::from_secs(10));
        config
    }
}

impl Cluster {
    /// Find a backend executing wms_place_order and kill -9 it; then wait
    /// until the postmaster has ended every session (the monitor's too) to
    /// recover. Returns the pid and the poll that found it.
    pub fn kill_inside_place_order(&self) -> Fallible<(i32, u32)> {
        let mut monitor = self.connect(DATABASE)?;
        let active = monitor.prepare(
            "SELECT pid FROM pg_stat_activity WHERE state = 'active' \
                AND query LIKE '%wms_place_order%' AND pid <> pg_backend_pid()",
        )?;
        for polls in 1..=KILL_POLLS {
            if let Some(row) = monitor.query(&active, &[])?.first() {
                let pid: i32 = row.get(0);
                run_command(Command::new("kill").args(["-KILL", &pid.to_string()]))?;
                wait_for_reset(&mut monitor)?;
                return Ok((pid, polls));
            }
            thread::sleep(Duration::from_millis(1));
        }
        Err(format!("no backend was seen inside wms_place_order in {KILL_POLLS} polls").into())
    }
}

impl Cluster {
    /// Find the order worker (wms_submit_order's batches) and kill -9 it;
    /// then wait, as above, until the postmaster has reset every session.
    pub fn kill_order_worker(&self) -> Fallible<i32> {
        let mut monitor = self.connect(DATABASE)?;
        let worker = monitor
            .prepare("SELECT pid FROM pg_stat_activity WHERE backend_type = 'wms order worker'")?;
        for _ in 1..=KILL_POLLS {
            if let Some(row) = monitor.query(&worker, &[])?.first() {
                let pid: i32 = row.get(0);
                run_command(Command::new("kill").args(["-KILL", &pid.to_string()]))?;
                wait_for_reset(&mut monitor)?;
                return Ok(pid);
            }
            thread::sleep(Duration::from_millis(1));
        }
        Err(format!("no order worker was seen in {KILL_POLLS} polls").into())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data().join("postmaster.pid").exists() {
            if let Err(e) = self.stop("fast") {
                eprintln!("wms-crash-cycles: stopping the server: {e}");
            }
        }
    }
}

/// Whether server programs need `runuser`: not when this process runs as
/// the OS user, yes when it runs as root; nobody else can run them.
fn needs_runuser(os_user: &str) -> Fallible<bool> {
    let me = command_output(Command::new("id").arg("-un"))?;
    if me == os_user {
        return Ok(false);
    }
    if command_output(Command::new("id").arg("-u"))? == "0" {
        Ok(true)
    } else {
        Err(format!("run as root or as {os_user}, not as {me}").into())
    }
}

/// --dir must not exist or be empty; it becomes mode 755, owned by `owner`.
fn prepare_dir(dir: &Path, owner: Option<&str>) -> Fallible<()> {
    if dir.exists() && fs::read_dir(dir)?.next().is_some() {
        return Err(format!("{} is not empty", dir.display()).into());
    }
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
    if let Some(owner) = owner {
        run_command(Command::new("chown").arg(owner).arg(dir))?;
    }
    Ok(())
}

/// The first row of `sql` once it returns one (polled every 20 ms, at
/// most READY_TIMEOUT); `failure` is the error after that.
fn wait_for_row(db: &mut Client, sql: &str, failure: &str) -> Fallible<Row> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(row) = db.query_opt(sql, &[])? {
            return Ok(row);
        }
        if Instant::now() > deadline {
            return Err(failure.into());
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Let a paused process run again.
pub fn resume(pid: i32) -> Fallible<()> {
    run_command(Command::new("kill").args(["-CONT", &pid.to_string()]))
}

/// The processes whose parent is `pid`.
fn children_of(pid: i32) -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|child| {
            fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|stat| {
                    // pid (comm) state ppid ...: comm may hold spaces.
                    let rest = &stat[stat.rfind(')')? + 2..];
                    rest.split(' ').nth(1)?.parse::<i32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// A process that runs: it exists and is not a zombie.
fn alive(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let rest = &stat[stat.rfind(')')? + 2..];
            rest.chars().next()
        })
        .is_some_and(|state| state != 'Z')
}

/// Run a command to its end; when it fails, its output is the error.
fn run_command(command: &mut Command) -> Fallible<()> {
    command_output(command).map(drop)
}

/// A command's standard output, trimmed, if it succeeds.
pub fn command_output(command: &mut Command) -> Fallible<String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{command:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A backend's crash makes the postmaster end every session: once this one
/// is ended, new connections reach the recovered server only.
fn wait_for_reset(monitor: &mut Client) -> Fallible<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    while monitor.simple_query("SELECT 1").is_ok() {
        if Instant::now() > deadline {
            return Err("the server did not reset after kill -9 of a backend".into());
        }
        thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}
