/** The start-up check of decorator names against a model compiled from DSL (no servers: the graph is pure). */
import { transformer } from '@openfga/syntax-transformer';
import { checkDeclarations, DecoratorDeclaration } from '../../../src/http/decorator-validation';
import { literalNames } from '../../../src/http/decorator-validation/declared-names';
import { CHECK_TEMPLATE_SOURCES } from '../../../src/http/check.decorator';
import { prepareTemplate } from '../../../src/http/object-template';
import { RelationGraph } from '../../../src/model';

const DSL = `model
  schema 1.1
type user
type group
  relations
    define member: [user, user:*]
type document
  relations
    define owner: [user]
    define reader: [user, group#member]
    define can_read: reader or owner
`;
const graph = RelationGraph.compile({ id: 'M1', ...transformer.transformDSLToJSONObject(DSL) });

const object = (text: string) => prepareTemplate(text, 'object', [...CHECK_TEMPLATE_SOURCES, 'result']);
const user = (text: string) => prepareTemplate(text, 'user', [...CHECK_TEMPLATE_SOURCES, 'result']);
const declared = (
  decorator: DecoratorDeclaration['decorator'],
  relation: string,
  objectText: string,
  userText?: string,
): DecoratorDeclaration => ({
  where: 'DocsController.run',
  decorator,
  relation,
  object: object(objectText),
  ...(userText !== undefined ? { user: user(userText) } : {}),
});

describe('literalNames', () => {
  it('reads the literal type, a literal userset relation and a wildcard; nothing from run-time templates', () => {
    expect(literalNames(object('document:{params.id}'))).toEqual({ type: 'document', wildcard: false });
    expect(literalNames(user('group:{params.g}#member'))).toEqual({ type: 'group', relation: 'member', wildcard: false });
    expect(literalNames(user('user:*'))).toEqual({ type: 'user', wildcard: true });
    expect(literalNames(object('{body.object}'))).toBeUndefined();
    expect(literalNames(object('{params.type}:{params.id}'))).toBeUndefined();
    expect(literalNames(prepareTemplate(() => 'document:1', 'object', CHECK_TEMPLATE_SOURCES))).toBeUndefined();
    // A placeholder after "#" leaves the relation to run time.
    expect(literalNames(user('group:{params.g}#{params.rel}'))).toEqual({ type: 'group', wildcard: false });
  });
});

describe('checkDeclarations', () => {
  it('accepts names the model has', () => {
    expect(
      checkDeclarations(
        [
          declared('@Check', 'can_read', 'document:{params.id}'),
          declared('@Check', 'member', 'group:{params.g}', 'user:*'),
          declared('@Grant', 'reader', 'document:{result.id}', 'group:{body.g}#member'),
          declared('@Revoke', 'member', 'group:{params.g}', 'user:*'),
          declared('@Grant', 'anything', '{body.object}'),
        ],
        graph,
      ),
    ).toEqual([]);
  });

  it('names the relation and what the type has, an unknown type and the model types', () => {
    expect(checkDeclarations([declared('@Check', 'raeder', 'document:{params.id}')], graph)).toEqual([
      'DocsController.run: @Check relation "raeder" is not a relation of type "document" (document has: owner, reader, can_read)',
    ]);
    expect(checkDeclarations([declared('@Check', 'reader', 'doc:{params.id}')], graph)).toEqual([
      'DocsController.run: @Check object "doc:{params.id}" names type "doc", which is not in the authorization model (types: user, group, document)',
    ]);
    expect(checkDeclarations([declared('@Check', 'member', 'user:{params.id}')], graph)).toEqual([
      'DocsController.run: @Check relation "member" is not a relation of type "user" (user has: none)',
    ]);
  });

  it('refuses to @Grant/@Revoke a computed-only relation, but lets @Check ask it', () => {
    expect(checkDeclarations([declared('@Check', 'can_read', 'document:{params.id}')], graph)).toEqual([]);
    expect(checkDeclarations([declared('@Grant', 'can_read', 'document:{params.id}')], graph)).toEqual([
      'DocsController.run: @Grant relation "can_read" of type "document" takes no direct tuples (it is computed only), so it cannot be written',
    ]);
  });

  it('checks a literal user: its type, its userset relation, and that the relation takes that user type', () => {
    expect(
      checkDeclarations(
        [
          declared('@Check', 'reader', 'document:{params.id}', 'gruop:{params.g}#member'),
          declared('@Grant', 'reader', 'document:{params.id}', 'group:{params.g}#membr'),
          declared('@Grant', 'owner', 'document:{params.id}', 'group:{params.g}#member'),
          declared('@Revoke', 'reader', 'document:{params.id}', 'user:*'),
        ],
        graph,
      ),
    ).toEqual([
      'DocsController.run: @Check user "gruop:{params.g}#member" names type "gruop", which is not in the authorization model (types: user, group, document)',
      'DocsController.run: @Grant user "group:{params.g}#membr": "membr" is not a relation of type "group" (group has: member)',
      'DocsController.run: @Grant user "group:{params.g}#member" (group#member) cannot be written to document#owner, which takes: user',
      'DocsController.run: @Revoke user "user:*" (user:*) cannot be written to document#reader, which takes: user, group#member',
    ]);
  });
});
