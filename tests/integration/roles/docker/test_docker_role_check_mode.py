"""Role docker in check mode with each supported OS's facts: the upstream repository configuration its real
tasks and templates render (read back by apt itself, or parsed as a dnf .repo file), the version pin reaching
apt, and preflight refusals. Docker's repository is unreachable here, so nothing is installed from it: the
target is a throwaway Debian 13 container and the role runs with --check, the OS facts standing in for the
real ones."""

import configparser
import json
import os
import shlex

import pytest

from tests.conftest import REPO_ROOT, run

PLAYBOOK = REPO_ROOT / "tests" / "integration" / "roles" / "docker" / "check_mode.yml"
TARGET = f"pacs-docker-role-check-{os.getpid()}"
KEY_URL = "file:///root/docker-test-key.asc"  # get_url reads it in check mode; download.docker.com is unreachable


def facts(distribution, release, version, os_family, architecture="x86_64"):
    return {
        "distribution": distribution,
        "distribution_release": release,
        "distribution_version": version,
        "distribution_major_version": version.split(".")[0],
        "os_family": os_family,
        "architecture": architecture,
        "service_mgr": "systemd",
        "pkg_mgr": "apt" if os_family == "Debian" else "dnf",
    }


DEBIAN_12 = facts("Debian", "bookworm", "12.8", "Debian")
DEBIAN_13 = facts("Debian", "trixie", "13.1", "Debian")
DEBIAN_13_ARM = facts("Debian", "trixie", "13.1", "Debian", "aarch64")
UBUNTU_2204 = facts("Ubuntu", "jammy", "22.04", "Debian")
UBUNTU_2404 = facts("Ubuntu", "noble", "24.04", "Debian")
RHEL_9 = facts("RedHat", "Plow", "9.4", "RedHat")
ROCKY_9 = facts("Rocky", "Blue Onyx", "9.4", "RedHat")
ALMA_9 = facts("AlmaLinux", "Seafoam Ocelot", "9.4", "RedHat")


@pytest.fixture(scope="module")
def target():
    run(["scripts/lab.sh", "image"])
    run(["docker", "rm", "--force", TARGET], check=False)
    run(["docker", "run", "--detach", "--rm", "--name", TARGET, "pacs-lab/host:trixie", "sleep", "infinity"])
    try:
        # A Debian container has no /etc/yum.repos.d: template (even in check mode) needs the directory.
        key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\ntest key, not a real one\n-----END PGP PUBLIC KEY BLOCK-----\n"
        prepare = "mkdir -p /etc/yum.repos.d && cat > /root/docker-test-key.asc"
        run(["docker", "exec", "-i", TARGET, "sh", "-c", prepare], input=key)
        yield TARGET
    finally:
        run(["docker", "rm", "--force", TARGET], check=False)


def apply_role(target, os_facts, **variables):
    """ansible-playbook --check --diff with the json callback; returns (rc, {task name: result}, raw output)."""
    extra = {
        "ansible_facts": os_facts,
        "docker_install_source": "upstream",
        "docker_upstream_gpg_key_url": KEY_URL,
        "ansible_python_interpreter": "/usr/bin/python3",
        **variables,
    }
    proc = run(
        [
            "ansible-playbook", "--check", "--diff",
            "--inventory", f"{target},", "--connection", "community.docker.docker",
            "--extra-vars", json.dumps(extra), str(PLAYBOOK),
        ],
        check=False,
        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"},
        timeout=600,
    )  # fmt: skip
    output = json.loads(proc.stdout)
    results = {}
    for play in output["plays"]:
        for task in play["tasks"]:
            if target in task["hosts"]:  # meta tasks report no host
                results[task["task"]["name"].split(" : ", 1)[-1]] = task["hosts"][target]
    return proc.returncode, results, proc.stdout


def rendered(result):
    """The file content a template task would write, from its --diff."""
    diffs = result["diff"] if isinstance(result["diff"], list) else [result["diff"]]
    return "".join(d.get("after", "") for d in diffs)


def body(text):
    """The lines that matter (comments aside)."""
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def apt_index_uris(target, sources):
    """apt parses a sources file and prints the index URIs it would fetch (no network)."""
    script = (
        "d=$(mktemp -d) && cat > $d/docker.sources && "
        "apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$d --print-uris update"
    )
    proc = run(["docker", "exec", "-i", target, "sh", "-c", script], input=sources)
    return [shlex.split(line)[0] for line in proc.stdout.splitlines() if line.startswith("'")]


APT_CASES = {
    "debian12": (DEBIAN_12, "debian", "bookworm", "amd64"),
    "debian13_arm64": (DEBIAN_13_ARM, "debian", "trixie", "arm64"),
    "ubuntu2204": (UBUNTU_2204, "ubuntu", "jammy", "amd64"),
    "ubuntu2404": (UBUNTU_2404, "ubuntu", "noble", "amd64"),
}


@pytest.mark.parametrize("case", sorted(APT_CASES))
def test_upstream_apt_repository(target, case):
    os_facts, slug, suite, arch = APT_CASES[case]
    rc, results, raw = apply_role(target, os_facts)
    assert rc == 0, raw[-4000:]

    sources = rendered(results["Write the apt sources file (deb822)"])
    assert body(sources) == [
        "Types: deb",
        f"URIs: https://download.docker.com/linux/{slug}",
        f"Suites: {suite}",
        "Components: stable",
        f"Architectures: {arch}",
        "Signed-By: /etc/apt/keyrings/docker.asc",
    ]
    assert sources.startswith("#"), "the file must say it is managed by Ansible"
    base = f"https://download.docker.com/linux/{slug}/dists/{suite}"
    assert f"{base}/stable/binary-{arch}/Packages.xz" in apt_index_uris(target, sources)

    key = results["Download the repository signing key"]
    assert key["changed"] and key["dest"] == "/etc/apt/keyrings/docker.asc", key
    # Check mode cannot ask a repository that is not configured yet: the install waits for the real run.
    assert results["Install the Docker packages (apt)"].get("skipped"), results["Install the Docker packages (apt)"]
    assert results["Write the dnf repository file"].get("skipped")


DNF_CASES = {"rhel9": (RHEL_9, "rhel"), "rocky9": (ROCKY_9, "centos"), "alma9": (ALMA_9, "centos")}


@pytest.mark.parametrize("case", sorted(DNF_CASES))
def test_upstream_dnf_repository(target, case):
    os_facts, slug = DNF_CASES[case]
    # The key URL is the role's default here: dnf reads it from the .repo file at install time.
    # Conflicting packages are removed with the host's real package manager (apt here): not this test's subject.
    rc, results, raw = apply_role(
        target, os_facts, docker_upstream_gpg_key_url="", docker_remove_conflicting_packages=False
    )
    assert rc == 0, raw[-4000:]

    text = rendered(results["Write the dnf repository file"])
    repo = configparser.ConfigParser(interpolation=None)
    repo.read_string(text)
    assert repo.sections() == ["docker-ce-stable"]
    assert dict(repo["docker-ce-stable"]) == {
        "name": "Docker CE Stable - $basearch",
        "baseurl": f"https://download.docker.com/linux/{slug}/9/$basearch/stable",
        "enabled": "1",
        "gpgcheck": "1",
        "gpgkey": f"https://download.docker.com/linux/{slug}/gpg",
    }
    assert results["Install the Docker packages (dnf)"].get("skipped")
    assert results["Write the apt sources file (deb822)"].get("skipped")


def test_mirror_and_test_channel(target):
    rc, results, raw = apply_role(
        target,
        DEBIAN_12,
        docker_upstream_repo_url="https://mirror.example.invalid/docker//",
        docker_upstream_channel="test",
    )
    assert rc == 0, raw[-4000:]
    sources = body(rendered(results["Write the apt sources file (deb822)"]))
    assert "URIs: https://mirror.example.invalid/docker/debian" in sources
    assert "Components: test" in sources

    rc, results, raw = apply_role(
        target,
        ROCKY_9,
        docker_upstream_repo_url="https://mirror.example.invalid/docker",
        docker_upstream_gpg_key_url="",
        docker_remove_conflicting_packages=False,
    )
    assert rc == 0, raw[-4000:]
    repo = configparser.ConfigParser(interpolation=None)
    repo.read_string(rendered(results["Write the dnf repository file"]))
    assert repo["docker-ce-stable"]["gpgkey"] == "https://mirror.example.invalid/docker/centos/gpg"


def test_daemon_json_merges_extra_options_and_drops_null_keys(target):
    run(["docker", "exec", target, "mkdir", "-p", "/etc/docker"])
    try:
        rc, results, raw = apply_role(
            target,
            DEBIAN_13,
            docker_daemon_options_extra={"log-opts": {"max-file": "7"}, "userland-proxy": None, "debug": True},
        )
    finally:
        run(["docker", "exec", target, "rmdir", "/etc/docker"])
    assert rc == 0, raw[-4000:]
    written = json.loads(rendered(results["Write daemon.json (validated before it replaces the live file)"]))
    assert written == {
        "debug": True,
        "live-restore": True,
        "log-driver": "json-file",
        "log-opts": {"max-file": "7", "max-size": "10m"},
    }


def test_version_pin_reaches_apt(target):
    """distro on the container's real Debian 13: apt simulates installing the pinned docker.io."""
    rc, results, raw = apply_role(target, DEBIAN_13, docker_install_source="distro", docker_version="26.1.*")
    assert rc == 0, raw[-4000:]
    install = results["Install the Docker packages (apt)"]
    assert install["changed"], install
    assert "Inst docker.io (26.1." in install["stdout"], install["stdout"][-2000:]

    rc, results, raw = apply_role(target, DEBIAN_13, docker_install_source="distro", docker_version="0.0.1-none")
    assert rc != 0
    install = results["Install the Docker packages (apt)"]
    assert install.get("failed") and "docker.io=0.0.1-none" in install["msg"], install


REFUSALS = {
    "debian12_distro": (DEBIAN_12, "distro", "Debian 12 (bookworm) ships only Compose v1"),
    "ubuntu2204_distro": (UBUNTU_2204, "distro", "Set docker_install_source: upstream"),
    "rhel9_distro": (RHEL_9, "distro", "RHEL 9 ships Podman, not Docker Engine"),
    "debian11_upstream": (facts("Debian", "bullseye", "11.9", "Debian"), "upstream", "this host is Debian 11"),
    "fedora_upstream": (facts("Fedora", "", "41", "RedHat"), "upstream", "docker_install_source=upstream supports"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_preflight_refuses_unsupported_hosts(target, case):
    os_facts, source, message = REFUSALS[case]
    rc, results, _output = apply_role(target, os_facts, docker_install_source=source)
    assert rc != 0
    failed = [name for name, result in results.items() if result.get("failed")]
    assert len(failed) == 1 and failed[0].startswith("Check that"), failed
    assert message in results[failed[0]]["msg"], results[failed[0]]["msg"]


def test_unknown_source_is_refused_by_the_argument_spec(target):
    rc, results, _output = apply_role(target, DEBIAN_13, docker_install_source="snap")
    assert rc != 0
    failed = [result for name, result in results.items() if result.get("failed")]
    assert len(failed) == 1
    assert "docker_install_source must be one of: upstream, distro, got: snap" in failed[0]["msg"]
