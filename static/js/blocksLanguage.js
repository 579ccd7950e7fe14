// The block editor's language and new projects' title, from Snapclass's.

/**
 * The editor's locale for a language tag, among the editor's `supported` ones (lower case, as
 * 'pt-br' or 'zh-cn'): the tag itself, else its language ('fr-CA' → 'fr'), else a regional
 * form of it ('zh' → 'zh-cn'), else English.
 */
export function editorLocale(language, supported) {
  const wanted = String(language || 'en').toLowerCase().replace(/_/g, '-');
  if (supported.includes(wanted)) return wanted;
  const base = wanted.split('-')[0];
  if (supported.includes(base)) return base;
  return supported.find((code) => code.startsWith(`${base}-`)) ?? 'en';
}

/**
 * The title a project should have now: the model's name (or Snapclass's untitled name) in place
 * of a title nobody chose (the editor's default, or Snapclass's untitled one); null to keep it.
 */
export function retitled(current, { modelName, untitled, editorDefaults }) {
  const wanted = modelName || untitled;
  if (current === wanted) return null;
  return current === untitled || editorDefaults.includes(current) || !current ? wanted : null;
}
