#!/bin/sh
# Prints "main URI" and "security URI" lines for the Debian repositories in this machine's apt sources
# (deb822 *.sources first, then one-line *.list), so that no mirror host name is written into the role.
set -eu
for f in /etc/apt/sources.list.d/*.sources; do
  [ -r "$f" ] || continue
  awk 'BEGIN { RS = ""; FS = "\n" }
    {
      uri = ""; suites = ""; types = ""
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
        if ($i ~ /^Suites:/) suites = $i
        if ($i ~ /^Types:/) types = $i
      }
      if (uri == "" || types !~ /[ \t]deb([ \t]|$)/) next
      print ((suites ~ /-security/) ? "security" : "main"), uri
    }' "$f"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -r "$f" ] || continue
  awk '$1 == "deb" {
      for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) {
        print (($(i + 1) ~ /-security/) ? "security" : "main"), $i
        break
      }
    }' "$f"
done
