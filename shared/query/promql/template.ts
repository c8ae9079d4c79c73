/**
 * Expands a replacement template the way Go's regexp.Expand does: `$1`, `${1}`, `$name`,
 * `${name}` (the longest run of word characters after `$` is the name, so `$1x` names group
 * "1x"), `$$` for a dollar; unknown groups expand to nothing, a lone `$` stays as is.
 */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== "$") {
      out += c;
      continue;
    }
    if (template[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    let name: string | undefined;
    let end = i;
    if (template[i + 1] === "{") {
      const close = template.indexOf("}", i + 2);
      const inner = close < 0 ? "" : template.slice(i + 2, close);
      if (close >= 0 && /^\w+$/.test(inner)) {
        name = inner;
        end = close;
      }
    } else {
      const m = /^\w+/.exec(template.slice(i + 1));
      if (m) {
        name = m[0];
        end = i + m[0].length;
      }
    }
    if (name === undefined) {
      out += "$";
      continue;
    }
    if (/^\d+$/.test(name)) out += match[Number(name)] ?? "";
    else out += match.groups?.[name] ?? "";
    i = end;
  }
  return out;
}
