import { describe, expect, it } from 'vitest'
import { controllerReference } from '../../../../operator/model/owner-reference.ts'
import { streamJob } from '../fixtures.ts'

describe('controllerReference()', () => {
  it('makes the StreamJob the controller, blocking its deletion until what it owns is gone', () => {
    expect(controllerReference(streamJob())).toEqual({
      apiVersion: 'exactly.dev/v1alpha1',
      kind: 'StreamJob',
      name: 'counts',
      uid: 'uid-1',
      controller: true,
      blockOwnerDeletion: true,
    })
  })
})
