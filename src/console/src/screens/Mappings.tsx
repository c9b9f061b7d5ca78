import { useId, useState, type FormEvent } from 'react';
import {
  ConsoleDeleteGroupMappingDocument,
  ConsoleGroupOptionsDocument,
  ConsoleSetDefaultMappingDocument,
  ConsoleSetGroupMappingDocument,
  type ConsoleMappingFragment,
  type MappingInput,
  type PermissionLevel,
} from '../../generated/graphql';
import { useDebounced, useMutation, useQuery } from '../hooks';
import { Link } from '../router';
import { useTenant } from '../session';
import { ErrorMessage, LevelSelect, LEVELS, levelName, Loading } from '../ui';

type Team = { id: string; name: string };

export const describeMapping = (mapping: Pick<ConsoleMappingFragment, 'globalLevel' | 'teams'> | null) =>
  !mapping
    ? 'nothing'
    : [
        `${levelName(mapping.globalLevel)} globally`,
        ...mapping.teams.map((t) => `${levelName(t.level)} in ${t.team.name}`),
      ].join(', ');

export const toInput = (mapping: Pick<ConsoleMappingFragment, 'globalLevel' | 'teams'> | null): MappingInput => ({
  globalLevel: mapping?.globalLevel ?? 'NONE',
  teams: mapping?.teams.map((t) => ({ teamId: t.team.id, level: t.level })) ?? [],
});

/**
 * Edits one mapping: a global level and a level per team. `subject` names what is mapped ("the default
 * mapping", "group Sales") in every control's label, so several editors on one page stay distinct.
 */
export function MappingEditor({
  subject,
  initial,
  teams,
  busy,
  onSave,
  onCancel,
}: {
  subject: string;
  initial: MappingInput;
  teams: Team[];
  busy?: boolean;
  onSave: (input: MappingInput) => void;
  onCancel: () => void;
}) {
  const [globalLevel, setGlobalLevel] = useState<PermissionLevel>(initial.globalLevel);
  const [grants, setGrants] = useState(initial.teams ?? []);
  const [addTeam, setAddTeam] = useState('');
  const [addLevel, setAddLevel] = useState<PermissionLevel>('VIEWER');
  const addId = useId();
  const tenant = useTenant();
  const teamName = (id: string) => teams.find((t) => t.id === id)?.name ?? 'a deleted team';
  const available = teams.filter((t) => !grants.some((g) => g.teamId === t.id));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const withPending = addTeam ? [...grants, { teamId: addTeam, level: addLevel }] : grants;
    onSave({ globalLevel, teams: withPending });
  };
  return (
    <form className="mapping-editor" onSubmit={submit} aria-label={`Edit ${subject}`}>
      <LevelSelect label="Global level" value={globalLevel} onChange={setGlobalLevel} />
      <fieldset>
        <legend>Teams</legend>
        {grants.length === 0 && <p className="muted small">No team grants.</p>}
        <ul className="grant-rows">
          {grants.map((grant) => (
            <li key={grant.teamId}>
              <LevelSelect
                label={`Level in ${teamName(String(grant.teamId))}`}
                value={grant.level}
                onChange={(level) => setGrants(grants.map((g) => (g.teamId === grant.teamId ? { ...g, level } : g)))}
              />
              <button type="button" onClick={() => setGrants(grants.filter((g) => g.teamId !== grant.teamId))}>
                Remove {teamName(String(grant.teamId))}
              </button>
            </li>
          ))}
        </ul>
        {available.length > 0 && (
          <div className="row">
            <span className="field-inline">
              <label htmlFor={addId}>Add team</label>
              <select id={addId} value={addTeam} onChange={(e) => setAddTeam(e.target.value)}>
                <option value="">Choose a team</option>
                {available.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            </span>
            <LevelSelect label="Level in the added team" value={addLevel} onChange={setAddLevel} levels={LEVELS.filter((l) => l !== 'NONE')} />
            <button
              type="button"
              disabled={!addTeam}
              onClick={() => {
                setGrants([...grants, { teamId: addTeam, level: addLevel }]);
                setAddTeam('');
              }}
            >
              Add
            </button>
          </div>
        )}
        {teams.length === 0 && (
          <p className="muted small">
            There are no teams yet: <Link to={`/t/${tenant}/teams`}>create one</Link>.
          </p>
        )}
      </fieldset>
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          Save mapping
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The default mapping: shown, with an edit (pencil) button that opens the editor in place. */
export function DefaultMapping({ mapping, teams, onChanged }: { mapping: ConsoleMappingFragment | null; teams: Team[]; onChanged: () => void }) {
  const tenant = useTenant();
  const [editing, setEditing] = useState(false);
  const save = useMutation(ConsoleSetDefaultMappingDocument);
  return (
    <section>
      <h2 id="default-mapping-h">Default mapping</h2>
      <p className="muted small">What everyone whose groups grant nothing gets (with membership of the fallback team).</p>
      {!editing ? (
        <p className="row">
          <span>{describeMapping(mapping)}</span>
          <button type="button" onClick={() => setEditing(true)} aria-label="Edit default mapping" title="Edit default mapping">
            <span aria-hidden="true">✎</span> Edit
          </button>
        </p>
      ) : (
        <MappingEditor
          subject="the default mapping"
          initial={toInput(mapping)}
          teams={teams}
          busy={save.busy}
          onCancel={() => setEditing(false)}
          onSave={async (input) => {
            if (await save.run({ tenant, input })) {
              setEditing(false);
              onChanged();
            }
          }}
        />
      )}
      <ErrorMessage error={save.error} title="The default mapping was not saved." />
    </section>
  );
}

/** "12 groups", or "3 groups match “sales”". */
const groupCount = (total: number, search: string) =>
  search ? `${total.toLocaleString()} ${total === 1 ? 'group matches' : 'groups match'} “${search}”` : `${total.toLocaleString()} ${total === 1 ? 'group' : 'groups'}`;

/** How many groups the picker offers at once; typing narrows them on the server. */
const GROUP_OPTIONS = 50;

/** Every IdP group's mapping, each editable and removable, and a form to map another group (searched on the server). */
export function GroupMappings({ mappings, teams, onChanged }: { mappings: ConsoleMappingFragment[]; teams: Team[]; onChanged: () => void }) {
  const tenant = useTenant();
  const [editing, setEditing] = useState<string | null>(null);
  const [newGroup, setNewGroup] = useState<{ id: string; displayName: string } | null>(null);
  const [find, setFind] = useState('');
  const search = useDebounced(find.trim(), 250);
  const options = useQuery(ConsoleGroupOptionsDocument, { tenant, first: GROUP_OPTIONS, search: search || undefined });
  const save = useMutation(ConsoleSetGroupMappingDocument);
  const remove = useMutation(ConsoleDeleteGroupMappingDocument);
  const groupSelectId = useId();
  const findId = useId();
  const groupMappings = mappings.filter((m) => m.group);
  const found = options.data?.groups;
  const unmapped = (found?.edges.map((e) => e.node) ?? []).filter((g) => !groupMappings.some((m) => m.group!.id === g.id));
  // The chosen group stays selectable while the search changes.
  if (newGroup && !unmapped.some((g) => g.id === newGroup.id)) unmapped.unshift(newGroup);

  const saveFor = async (groupId: string, input: MappingInput) => {
    if (await save.run({ tenant, groupId, input })) {
      setEditing(null);
      setNewGroup(null);
      onChanged();
    }
  };
  return (
    <section>
      <h2 id="group-mappings-h">Group mappings</h2>
      <p className="muted small">What members of each IdP group get. The highest level wins, per team and globally.</p>
      {groupMappings.length === 0 ? (
        <p className="muted">No group is mapped yet.</p>
      ) : (
        <ul className="mappings">
          {groupMappings.map((m) => (
            <li key={m.group!.id}>
              <strong>
                <Link to={`/t/${tenant}/groups/${m.group!.id}`}>{m.group!.displayName}</Link>
              </strong>
              : {describeMapping(m)}{' '}
              {editing === m.group!.id ? (
                <MappingEditor
                  subject={`the mapping of ${m.group!.displayName}`}
                  initial={toInput(m)}
                  teams={teams}
                  busy={save.busy}
                  onCancel={() => setEditing(null)}
                  onSave={(input) => saveFor(m.group!.id, input)}
                />
              ) : (
                <span className="row">
                  <button type="button" onClick={() => setEditing(m.group!.id)}>
                    Edit mapping of {m.group!.displayName}
                  </button>
                  <button
                    type="button"
                    onClick={async () => {
                      if ((await remove.run({ tenant, groupId: m.group!.id })) !== null) onChanged();
                    }}
                  >
                    Remove mapping of {m.group!.displayName}
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <h3>Map a group</h3>
      <ErrorMessage error={options.error} title="The groups could not be read." />
      {!found ? (
        options.loading && <Loading what="groups" />
      ) : found.totalCount === 0 && !search ? (
        <p className="muted">No IdP group exists yet: Entra creates them when it provisions groups.</p>
      ) : (
        <>
          <div className="toolbar" role="search" aria-label="Groups to map">
            <span className="field">
              <label htmlFor={findId}>Find a group</label>
              <input id={findId} type="search" value={find} placeholder="Part of its name" onChange={(e) => setFind(e.target.value)} />
            </span>
            <span className="field">
              <label htmlFor={groupSelectId}>Group</label>
              <select
                id={groupSelectId}
                value={newGroup?.id ?? ''}
                aria-busy={options.loading}
                onChange={(e) => setNewGroup(unmapped.find((g) => g.id === e.target.value) ?? null)}
              >
                <option value="">{found.totalCount === 0 ? 'No group matches' : 'Choose a group'}</option>
                {unmapped.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.displayName}
                  </option>
                ))}
              </select>
            </span>
          </div>
          <p className="muted small" role="status">
            {groupCount(found.totalCount, search)}
            {found.totalCount > found.edges.length && `: the first ${found.edges.length} are listed, type to narrow them`}.
          </p>
          {newGroup && (
            <MappingEditor
              key={newGroup.id}
              subject={`the mapping of ${newGroup.displayName}`}
              initial={{ globalLevel: 'NONE', teams: [] }}
              teams={teams}
              busy={save.busy}
              onCancel={() => setNewGroup(null)}
              onSave={(input) => saveFor(newGroup.id, input)}
            />
          )}
        </>
      )}
      <ErrorMessage error={save.error ?? remove.error} title="The group mapping was not changed." />
    </section>
  );
}
