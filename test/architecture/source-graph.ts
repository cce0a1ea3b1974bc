import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

import ts from 'typescript';

/**
 * The import graph of the server's sources between its rooms (a folder of src/, or a file at its
 * top), and the dependencies each function takes, read with TypeScript's own parser so that
 * re-exports and dynamic imports count too.
 */

export interface Import {
  from: string;
  to: string;
  /** The importing file and the imported one, relative to src/. */
  fromFile: string;
  toFile: string;
}

export interface Layers {
  /** Rooms that know no domain: they import only one another. */
  ground: ReadonlySet<string>;
  /** Rooms that only the top imports, and that import only the ground (the configuration). */
  belowDomains: ReadonlySet<string>;
  /** The composition: nothing below imports it. */
  top: ReadonlySet<string>;
  /** Everything else: a new folder is placed in a layer on purpose, never by default. */
  domains: ReadonlySet<string>;
}

export function sourceFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => join(root, name));
}

/** `admin/routes.ts` is in the room admin, `server.ts` in the room server. */
export function roomOf(fileUnderRoot: string): string {
  const [first, ...rest] = fileUnderRoot.split(sep);
  return rest.length > 0 ? first! : first!.replace(/\.ts$/, '');
}

/**
 * Every module a file names: import and export declarations (`export * as ns` too), `import type`,
 * `typeof import(...)`, `import(...)` and `require(...)`. A dynamic import or require whose target is
 * not a plain string is returned as `undefined`: the graph cannot be read there, which is refused.
 */
export function moduleSpecifiers(file: string, text: string): (string | undefined)[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: (string | undefined)[] = [];
  const literal = (node: ts.Node | undefined) => (node !== undefined && ts.isStringLiteralLike(node) ? node.text : undefined);
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) found.push(literal(node.moduleSpecifier));
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) found.push(literal(node.moduleReference.expression));
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) found.push(literal(node.argument.literal));
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if (isImport || isRequire) found.push(literal(node.arguments[0]));
    }
    node.forEachChild(visit);
  };
  visit(source);
  return found;
}

/** Imports between rooms; an import the graph cannot read (a computed path, a package alias) is one to the room "(unreadable)". */
export function importsBetweenRooms(root: string): Import[] {
  const imports: Import[] = [];
  for (const file of sourceFiles(root)) {
    const fromFile = relative(root, file);
    for (const specifier of moduleSpecifiers(file, readFileSync(file, 'utf8'))) {
      // A package (a bare name, node:...) is outside the house; an alias (#...) or a computed path cannot be placed.
      if (specifier !== undefined && !specifier.startsWith('.') && !specifier.startsWith('#') && !specifier.startsWith('/') && !specifier.startsWith('file:')) continue;
      const toFile = specifier === undefined || !specifier.startsWith('.') ? `(unreadable: ${specifier ?? 'a computed path'})` : relative(root, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
      const from = roomOf(fromFile);
      const to = specifier === undefined || !specifier.startsWith('.') ? UNREADABLE : roomOf(toFile);
      if (from !== to) imports.push({ from, to, fromFile, toFile });
    }
  }
  return imports;
}

export const UNREADABLE = '(unreadable)';

/** The imports that break the layers, each said in words; a room in no layer, or an import that cannot be read, breaks them too. */
export function layerViolations(imports: readonly Import[], layers: Layers): string[] {
  const level = (room: string): number | undefined =>
    (layers.ground.has(room) ? 0 : layers.belowDomains.has(room) ? 1 : layers.domains.has(room) ? 2 : layers.top.has(room) ? 3 : undefined);
  const names = ['the ground', 'the configuration', 'a domain', 'the top'];
  const violations: string[] = [];
  for (const { fromFile, toFile, from, to } of imports) {
    if (to === UNREADABLE) {
      violations.push(`${fromFile} imports ${toFile}, which the layers cannot place`);
      continue;
    }
    const [below, above] = [level(from), level(to)];
    const unplaced = [from, to].filter((room) => level(room) === undefined);
    if (unplaced.length > 0) {
      violations.push(`${fromFile} imports ${toFile}: ${unplaced.join(' and ')} is in no layer`);
      continue;
    }
    // The ground stands on itself alone; the configuration on the ground; a domain on anything but the top.
    const climbs = below === 0 || below === 1 ? above !== 0 : below === 2 ? above === 3 : false;
    if (climbs) violations.push(`${fromFile} (${names[below!]}) imports ${toFile} (${names[above!]})`);
  }
  return violations;
}

/** Every circle of rooms (a strongly connected set of more than one), each listed in a stable order. */
export function roomCircles(imports: readonly Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
    if (!edges.has(to)) edges.set(to, new Set());
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (room: string): void => {
    index.set(room, index.size);
    low.set(room, index.get(room)!);
    stack.push(room);
    onStack.add(room);
    for (const next of edges.get(room) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(room, Math.min(low.get(room)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(room, Math.min(low.get(room)!, index.get(next)!));
      }
    }
    if (low.get(room) === index.get(room)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== room);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const room of [...edges.keys()].sort()) if (!index.has(room)) visit(room);
  return circles;
}

export interface DependencyCount {
  where: string;
  count: number;
}

/**
 * What each function takes, counted as collaborators: a plain parameter counts one, an object
 * pattern counts each name it takes apart, and a parameter typed with an interface of the same file
 * named `…Dependencies` counts that interface's members (a bag of dependencies is still that many
 * dependencies). A collaborator with parts counts once: the platform (the registry every module
 * shares, as a Hydra package's registry does) or one module's pieces grouped under one name.
 */
export function dependencyCounts(root: string): DependencyCount[] {
  const counts: DependencyCount[] = [];
  for (const file of sourceFiles(root)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const bags = new Map<string, number>();
    source.forEachChild((node) => {
      if (ts.isInterfaceDeclaration(node) && node.name.text.endsWith('Dependencies')) bags.set(node.name.text, node.members.length);
    });
    const countParameter = (parameter: ts.ParameterDeclaration): number => {
      if (ts.isObjectBindingPattern(parameter.name)) return parameter.name.elements.length;
      const type = parameter.type;
      if (type && ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) return bags.get(type.typeName.text) ?? 1;
      return 1;
    };
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
        const count = node.parameters.reduce((total, parameter) => total + countParameter(parameter), 0);
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
        counts.push({ where: `${relative(root, file)}:${line + 1} ${name}`, count });
      }
      node.forEachChild(visit);
    };
    visit(source);
  }
  return counts;
}
