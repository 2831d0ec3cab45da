#!/bin/sh
# Rebuilds echarts.kam.min.js from echarts.kam.entry.js: only the chart types and components kam
# uses (about a third of the full build). Run by hand after changing the entry file; never at
# install time. Needs Node.js and npm; works in a throw-away directory.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent echarts@5.6.0 esbuild@0.28.2
cp "$here/echarts.kam.entry.js" entry.js
./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --target=es2017 \
  --legal-comments=none --outfile="$here/echarts.kam.min.js"
