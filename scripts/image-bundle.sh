# Sourced by scripts/images.sh: image bundles, which carry images to a Dockyard that cannot get them itself (offline).
#   images.sh bundle NAME[:TAG]... [-o FILE]   writes one tarball: dockyard-bundle.json (what it holds, with checksums)
#                                              and images/<name>.tar per image, as `docker save` writes it. Each image
#                                              is this installation's course image of that name (content/images, or
#                                              a bundle loaded before), else what the registry mirror gives for it.
#   images.sh load FILE                        puts each image where lessons find their images: a course image tar
#                                              ($DOCKYARD_STATE_DIR/images/course/<name>.tar, which sandboxes load and
#                                              node disk templates are made of) and Dockyard's engine.
# Names are those a lesson's `images:` can list (lowercase letters, digits, . _ -).
BUNDLE_FORMAT=1
BUNDLE_MANIFEST=dockyard-bundle.json
NAME_PATTERN='^[a-z0-9][a-z0-9._-]*$'

size_of() { du -h "$1" | cut -f1; }

bundle() {
  local out names=() ref name tag tar id refs entries=() work
  out=dockyard-images-$(date +%Y%m%d-%H%M%S).tar
  while (($#)); do
    case "$1" in
      -o | --output) out=${2:?-o needs a file}; shift 2 ;;
      -*) die "unknown option $1 (usage: scripts/images.sh bundle NAME[:TAG]... [-o FILE])" ;;
      *) names+=("$1"); shift ;;
    esac
  done
  ((${#names[@]})) || die "usage: scripts/images.sh bundle NAME[:TAG]... [-o FILE]"
  work=$(mktemp -d "${TMPDIR:-/tmp}/dockyard-bundle.XXXXXX")
  # shellcheck disable=SC2064 # the directory now: $work is local to this function
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/images"
  for ref in "${names[@]}"; do
    name=${ref%%:*}
    tag=latest
    [[ $ref == *:* ]] && tag=${ref#*:}
    [[ $name =~ $NAME_PATTERN ]] ||
      die "“$ref”: a lesson's images: lists names of lowercase letters, digits, . _ - (and a bundle holds only such names)"
    tar=$work/images/$name.tar
    if [[ -f $COURSE_TARS/$name.tar ]]; then
      log "$name: this installation's course image ($(size_of "$COURSE_TARS/$name.tar"))"
      cp --reflink=auto "$COURSE_TARS/$name.tar" "$tar"
      refs=$(<"$COURSE_TARS/$name.tar.ids")
    else
      log "$name: not a course image here; fetching $name:$tag from the registry mirror"
      id=$(cd "$REPO" && npx --no-install tsx scripts/mirror-export.ts "$name:$tag" "$tar") ||
        die "$name is neither a course image of this installation ($COURSE_TARS/$name.tar) nor available from a registry mirror (above)"
      refs="$name:$tag $id"
    fi
    entries+=("$(printf '{"name":"%s","file":"images/%s.tar","bytes":%s,"sha256":"%s","refs":[%s]}' "$name" "$name" \
      "$(stat -c %s "$tar")" "$(sha256sum <"$tar" | cut -d' ' -f1)" \
      "$(awk '{ printf "%s{\"ref\":\"%s\",\"id\":\"%s\"}", (NR > 1 ? "," : ""), $1, $2 }' <<<"$refs")")")
  done
  printf '{"format":%s,"made":"%s","images":[%s]}\n' "$BUNDLE_FORMAT" "$(date -Is)" "$(IFS=,; echo "${entries[*]}")" >"$work/$BUNDLE_MANIFEST"
  log "writing $out"
  tar -cf "$out.tmp" -C "$work" "$BUNDLE_MANIFEST" images
  mv "$out.tmp" "$out"
  log "bundle $out ($(size_of "$out")): ${names[*]}; on the other Dockyard: bash scripts/images.sh load $(basename "$out")"
}

# One line per image of the bundle's manifest: name, file, sha256, then its "ref id" pairs as ref=id words.
bundle_entries() { # $1 = manifest text
  node -e '
    const m = JSON.parse(process.argv[1]);
    if (m.format !== Number(process.argv[2])) throw new Error(`bundle format ${m.format}, this Dockyard reads format ${process.argv[2]}`);
    for (const i of m.images) console.log([i.name, i.file, i.sha256, ...i.refs.map((r) => `${r.ref}=${r.id}`)].join(" "));
  ' "$1" "$BUNDLE_FORMAT"
}

load_bundle() {
  local file=${1:-} manifest entries name member sum pairs pair loaded=()
  [[ -n $file && $# == 1 ]] || die "usage: scripts/images.sh load FILE"
  [[ -f $file ]] || die "no such file: $file"
  timeout 10 "${DOCKER[@]}" info >/dev/null 2>&1 || die "Dockyard's engine does not answer on $SOCK; run: bash scripts/engine.sh start"
  manifest=$(tar -xOf "$file" "$BUNDLE_MANIFEST" 2>/dev/null) || die "$file is not an image bundle (it holds no $BUNDLE_MANIFEST)"
  entries=$(bundle_entries "$manifest") || die "$file: its $BUNDLE_MANIFEST cannot be read (above)"
  mkdir -p "$COURSE_TARS"
  chmod 0755 "$IMAGES_DIR" "$COURSE_TARS"
  while read -r name member sum pairs; do
    [[ $name =~ $NAME_PATTERN && $member == "images/$name.tar" ]] || die "$file: an entry names “$name” at “$member”, which is not where a bundle keeps it"
    log "$name: unpacking"
    tar -xOf "$file" "$member" >"$COURSE_TARS/$name.tar.tmp" || die "$name: $member is missing from $file"
    [[ $(sha256sum <"$COURSE_TARS/$name.tar.tmp" | cut -d' ' -f1) == "$sum" ]] || {
      rm -f "$COURSE_TARS/$name.tar.tmp"
      die "$name: $file is damaged (its checksum differs from the bundle's): copy it again"
    }
    [[ -d $COURSE_SRC/$name ]] && log "$name: note: content/images/$name builds an image of the same name, which replaces this one whenever scripts/images.sh runs"
    log "$name: loading into Dockyard's engine ($(size_of "$COURSE_TARS/$name.tar.tmp"))"
    "${DOCKER[@]}" load -q -i "$COURSE_TARS/$name.tar.tmp" >/dev/null || die "$name: docker load failed"
    chmod 0644 "$COURSE_TARS/$name.tar.tmp"
    # Renamed into place, never rewritten (running sandboxes keep the inode they mounted); the ids are what
    # templates.ts keys node disk templates by, as for the images built here.
    mv "$COURSE_TARS/$name.tar.tmp" "$COURSE_TARS/$name.tar"
    for pair in $pairs; do echo "${pair%%=*} ${pair#*=}"; done >"$COURSE_TARS/$name.tar.ids"
    loaded+=("$name")
  done <<<"$entries"
  log "loaded ${loaded[*]}: lessons may list them in images:. Their node disk templates are made by the first lab that"
  log "needs them, or now by: npx tsx scripts/templates.ts"
}
